"""imagezmq senders into imagezmq's own ImageHub and into a framehub hub: same senders,
same frames, same run.

N sender processes run imagezmq 1.2.0's ``ImageSender`` unchanged, flat out, each
under a name of its own (``cam0``, ``cam1``...), with the suite's frames
(``benchmarks/frames.py``; JPEG encoded as NetGear does by default). The hub is
this process, and returns every frame decoded, as an application would get it:
imagezmq's ``ImageHub`` (``recv_image``/``recv_jpg`` then simplejpeg, replying
``b"OK"`` in REQ/REP), or a framehub ``Hub`` with ``HubConfig(imagezmq=...)``.
Cells alternate, so drift on the machine hits both hubs alike. Per cell: frames/s
over the window after a warm-up, fairness (the slowest sender's frames over the
fastest's) and the hub process's CPU per frame, all threads.

    python benchmarks/imagezmq_hub.py --senders 4 --seconds 5 --repeat 3
    python benchmarks/imagezmq_hub.py --mode reqrep --codec raw --seconds 1 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import zmq

# Run as a script, this file's folder is on sys.path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.suite.peers.base import decode_jpeg, encode_jpeg

ADDRESS = "127.0.0.1"
WARMUP = 1.0
MODES = ("reqrep", "pubsub")
CODECS = ("raw", "jpeg")
HUBS = ("imagezmq", "framehub")


def sender(args: argparse.Namespace) -> None:
    """One imagezmq sender, flat out until killed."""
    import imagezmq

    from benchmarks.frames import make_frames

    frames = make_frames(args.width, args.height, seed=args.index)
    payloads: list[Any] = [encode_jpeg(f) for f in frames] if args.codec == "jpeg" else frames
    send_image = imagezmq.ImageSender(connect_to=args.address, REQ_REP=args.mode == "reqrep")
    send = send_image.send_jpg if args.codec == "jpeg" else send_image.send_image
    name = f"cam{args.index}"
    print("READY", flush=True)
    i = 0
    while True:
        send(name, payloads[i % len(payloads)])
        i += 1


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind((ADDRESS, 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


Receive = Callable[[], str]


@contextmanager
def imagezmq_hub(mode: str, codec: str, addresses: list[str]) -> Iterator[Receive]:
    import imagezmq

    reqrep = mode == "reqrep"
    # REQ/REP: the hub binds the one address; PUB/SUB: it connects to every sender's.
    hub = imagezmq.ImageHub(addresses[0], REQ_REP=reqrep)
    for address in addresses[1:]:
        hub.connect(address)

    def receive() -> str:
        if codec == "jpeg":
            name, data = hub.recv_jpg()
        else:
            name, image = hub.recv_image()
        if reqrep:
            hub.send_reply(b"OK")  # before decoding, as the suite's imagezmq client does
        if codec == "jpeg":
            image = decode_jpeg(data)
        assert image.size
        return str(name)

    try:
        yield receive
    finally:
        hub.zmq_socket.setsockopt(zmq.LINGER, 0)
        hub.close()


@contextmanager
def framehub_hub(mode: str, codec: str, addresses: list[str]) -> Iterator[Receive]:
    from framehub import Hub, HubConfig, ImagezmqConfig, Lifetime

    if mode == "reqrep":
        imagezmq = ImagezmqConfig(port=int(addresses[0].rsplit(":", 1)[1]))
    else:
        imagezmq = ImagezmqConfig(connect=tuple(addresses))
    config = HubConfig(address=ADDRESS, imagezmq=imagezmq, lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:

        def receive() -> str:
            frame = hub.recv(timeout=10)
            assert frame is not None and frame.image.size
            return frame.source

        yield receive


def cell(hub: str, mode: str, codec: str, args: argparse.Namespace) -> dict[str, float]:
    ports = free_ports(1 if mode == "reqrep" else args.senders)
    addresses = [f"tcp://{ADDRESS}:{port}" for port in ports]
    opener = imagezmq_hub if hub == "imagezmq" else framehub_hub
    children: list[subprocess.Popen[str]] = []
    try:
        with opener(mode, codec, addresses) as receive:
            for index in range(args.senders):
                command = [sys.executable, __file__, "--sender", "--index", str(index)]
                command += ["--address", addresses[index % len(addresses)], "--mode", mode]
                command += ["--codec", codec, "--width", str(args.width)]
                command += ["--height", str(args.height)]
                children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
            for child in children:
                assert child.stdout is not None and child.stdout.readline().startswith("READY")
            warm_until = time.monotonic() + WARMUP
            while time.monotonic() < warm_until:
                receive()
            counts: Counter[str] = Counter()
            cpu, start = time.process_time(), time.monotonic()
            end = start + args.seconds
            while (now := time.monotonic()) < end:
                counts[receive()] += 1
            cpu = time.process_time() - cpu
    finally:
        for child in children:
            child.kill()
            child.wait(10)
    frames = sum(counts.values())
    per_sender = [counts[f"cam{i}"] for i in range(args.senders)]
    return {
        "fps": frames / (now - start),
        "fairness": min(per_sender) / max(max(per_sender), 1),
        "cpu_ms_per_frame": 1000 * cpu / max(frames, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--address", default="", help=argparse.SUPPRESS)
    p.add_argument("--mode", choices=MODES, default=None, help="one mode only (default: both)")
    p.add_argument("--codec", choices=CODECS, default=None, help="one codec only (default: both)")
    p.add_argument("--senders", type=int, default=4)
    p.add_argument("--seconds", type=float, default=5.0, help="measured window per cell")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    args = p.parse_args()
    if args.sender:
        sender(args)
        return
    modes = MODES if args.mode is None else (args.mode,)
    codecs = CODECS if args.codec is None else (args.codec,)
    results: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for mode in modes:
            for codec in codecs:
                for hub in HUBS:
                    outcome = cell(hub, mode, codec, args)
                    results.setdefault((mode, codec, hub), []).append(outcome)
                    rounded = {k: round(v, 2) for k, v in outcome.items()}
                    print(mode, codec, hub, json.dumps(rounded), flush=True)
    print(
        f"\nmedian of {args.repeat}, {args.senders} senders, {args.width}x{args.height}, "
        f"{args.seconds:g} s per cell (frames/s, fairness, hub CPU ms/frame):"
    )
    for mode in modes:
        for codec in codecs:
            row = {
                hub: {
                    key: statistics.median(r[key] for r in results[(mode, codec, hub)])
                    for key in ("fps", "fairness", "cpu_ms_per_frame")
                }
                for hub in HUBS
            }
            ratio = row["framehub"]["fps"] / max(row["imagezmq"]["fps"], 1e-9)
            cells = "  ".join(
                f"{hub} {r['fps']:7.1f} fps {r['fairness']:.2f} {r['cpu_ms_per_frame']:.2f} ms"
                for hub, r in row.items()
            )
            print(f"  {mode:6} {codec:4}: {cells}  framehub/imagezmq {ratio:.2f}x")


if __name__ == "__main__":
    main()
