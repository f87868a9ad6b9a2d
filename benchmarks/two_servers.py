"""Two servers into one client on loopback: framehub vs vidgear 0.3.6, side by side.

Each side runs in its own process (client and both servers); servers send the same
generated frames as fast as they can, and the client counts what it receives over
a measured window after a warm-up. Prints frames/s per library and the ratios.

    python benchmarks/two_servers.py            # the three configurations, 4 s each
    python benchmarks/two_servers.py --seconds 8 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

CONFIGS = [
    {"name": "JPEG 1280x720, pattern 1", "pattern": 1, "size": (1280, 720), "jpeg": True},
    {"name": "JPEG 1280x720, pattern 2", "pattern": 2, "size": (1280, 720), "jpeg": True},
    {"name": "raw 640x480, pattern 1", "pattern": 1, "size": (640, 480), "jpeg": False},
]
LIBS = ["framehub", "vidgear"]
WARMUP = 1.0


def netgear(lib: str):  # type: ignore[no-untyped-def]
    if lib == "vidgear":
        from vidgear.gears import NetGear
    else:
        from framehub import NetGear
    return NetGear


def serve(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from frames import make_frames

    frames = make_frames(args.width, args.height, seed=args.port)
    server = netgear(args.lib)(
        address="127.0.0.1",
        port=str(args.port),
        protocol="tcp",
        pattern=args.pattern,
        multiserver_mode=True,
        jpeg_compression=args.jpeg,
    )
    deadline = time.monotonic() + args.seconds
    i = 0
    while time.monotonic() < deadline:
        server.send(frames[i % len(frames)])
        i += 1
    server.close()


def receive(args: argparse.Namespace) -> None:
    client = netgear(args.lib)(
        address="127.0.0.1",
        port=tuple(args.ports),
        protocol="tcp",
        pattern=args.pattern,
        receive_mode=True,
        multiserver_mode=True,
        jpeg_compression=args.jpeg,
    )
    print("READY", flush=True)
    counts: dict[str, int] = {}
    start = None
    cpu0 = 0.0
    end = None
    while True:
        data = client.recv()
        if data is None:
            break
        now = time.monotonic()
        if start is None:
            start, end = now + WARMUP, now + WARMUP + args.seconds
        if now < start:
            continue
        if cpu0 == 0.0:
            cpu0 = time.process_time()
        if now >= end:
            break
        counts[str(data[0])] = counts.get(str(data[0]), 0) + 1
    cpu = time.process_time() - cpu0
    total = sum(counts.values())
    print(
        "RESULT "
        + json.dumps(
            {
                "fps": total / args.seconds,
                "fairness": min(counts.values()) / max(counts.values())
                if len(counts) == 2
                else 0.0,
                "cpu_ms_per_frame": 1000 * cpu / total if total else None,
            }
        ),
        flush=True,
    )
    import os

    os._exit(0)  # vidgear's client can hang in close() while servers still stream


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def measure(lib: str, config: dict, seconds: float) -> dict:
    ports = free_ports(2)
    width, height = config["size"]
    common = ["--lib", lib, "--pattern", str(config["pattern"]), "--seconds", str(seconds)]
    if config["jpeg"]:
        common.append("--jpeg")
    me = [sys.executable, __file__]
    client = subprocess.Popen(
        [*me, "client", *common, "--ports", *map(str, ports)], stdout=subprocess.PIPE, text=True
    )
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "READY"
    servers = [
        subprocess.Popen(
            [
                *me,
                "server",
                *common,
                "--port",
                str(port),
                "--width",
                str(width),
                "--height",
                str(height),
                "--seconds",
                str(seconds + WARMUP + 3),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        out, _ = client.communicate(timeout=seconds + WARMUP + 30)
    finally:
        for proc in [client, *servers]:
            proc.kill()
            proc.wait()
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="role")
    for role in ("client", "server"):
        p = sub.add_parser(role)
        p.add_argument("--lib", choices=LIBS)
        p.add_argument("--pattern", type=int)
        p.add_argument("--jpeg", action="store_true")
        p.add_argument("--seconds", type=float)
        p.add_argument("--ports", nargs="*", type=int)
        p.add_argument("--port", type=int)
        p.add_argument("--width", type=int)
        p.add_argument("--height", type=int)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.role == "server":
        return serve(args)
    if args.role == "client":
        return receive(args)
    print(
        f"{'configuration':<28} {'framehub fps':>13} {'vidgear fps':>12} {'ratio':>6}"
        f" {'fh cpu ms/f':>11} {'vg cpu ms/f':>11}"
    )
    for config in CONFIGS:
        runs: dict[str, list[dict]] = {lib: [] for lib in LIBS}
        for _ in range(args.repeat):
            for lib in LIBS:  # interleaved, so drift hits both alike
                runs[lib].append(measure(lib, config, args.seconds))
        fps = {lib: statistics.median(r["fps"] for r in runs[lib]) for lib in LIBS}
        cpu = {
            lib: statistics.median(r["cpu_ms_per_frame"] or 0 for r in runs[lib]) for lib in LIBS
        }
        print(
            f"{config['name']:<28} {fps['framehub']:>13.1f} {fps['vidgear']:>12.1f} "
            f"{fps['framehub'] / max(fps['vidgear'], 1e-9):>6.2f} "
            f"{cpu['framehub']:>11.2f} {cpu['vidgear']:>11.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
