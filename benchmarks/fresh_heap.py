"""What glibc's allocator does to a hub receiving raw frames, started afresh.

    python benchmarks/fresh_heap.py [--servers 8] [--seconds 4] [--repeat 2]

Each process is a fresh interpreter, as a user's ``python hub.py`` is: one hub and
``--servers`` servers sending raw 640x480 frames flat out, in pattern 1, with
imagezmq (REQ/REP into one port) and with framehub (NetGear, Multi-Servers Mode).
Each runs twice: with glibc's defaults, and with its mmap and trim thresholds
raised through the environment, which is what ``transport/allocator.py`` does
inside framehub's hub. Prints frames/s and the hub's CPU per frame.

In a fresh process glibc maps a 0.9 MB block for each received frame and unmaps
it when freed (or trims the heap back soon after); a process that has already
freed large blocks (a benchmark runner that rendered its frames, say) keeps
them on its heap instead. That is why the suite starts its children from a fork
server rather than from the runner.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.suite.runner import free_ports

TUNED = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "67108864"}
WARMUP = 200
SHAPE = (480, 640, 3)


def _hub(peer: str, ports: list[int], seconds: float) -> None:
    if peer == "framehub":
        from framehub import NetGear

        client = NetGear(
            receive_mode=True,
            address="127.0.0.1",
            port=[str(p) for p in ports],
            pattern=1,
            multiserver_mode=True,
            jpeg_compression=False,
            logging=False,
        )

        def receive() -> None:
            client.recv()

    else:
        import imagezmq

        image_hub = imagezmq.ImageHub(f"tcp://127.0.0.1:{ports[0]}", REQ_REP=True)

        def receive() -> None:
            image_hub.recv_image()
            image_hub.send_reply(b"OK")

    for _ in range(WARMUP):
        receive()
    started, cpu0, frames = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF), 0
    while time.monotonic() - started < seconds:
        receive()
        frames += 1
    elapsed, cpu1 = time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    print(json.dumps({"fps": frames / elapsed, "cpu_ms_per_frame": 1000 * cpu / frames}))
    sys.stdout.flush()
    os._exit(0)  # the servers are killed, not ended: no goodbye to wait for


def _server(peer: str, ports: list[int], index: int) -> None:
    import numpy as np

    frame = np.random.default_rng(index).integers(0, 255, SHAPE, np.uint8)
    if peer == "framehub":
        from framehub import NetGear

        server = NetGear(
            address="127.0.0.1",
            port=str(ports[index]),
            pattern=1,
            multiserver_mode=True,
            jpeg_compression=False,
            logging=False,
        )
        while True:
            server.send(frame)
    else:
        import imagezmq

        sender = imagezmq.ImageSender(f"tcp://127.0.0.1:{ports[0]}", REQ_REP=True)
        while True:
            sender.send_image(str(index), frame)


def _run(peer: str, servers: int, seconds: float, tuned: bool) -> dict[str, float]:
    ports = free_ports(servers)
    env = {key: value for key, value in os.environ.items() if key not in TUNED}
    if tuned:
        env.update(TUNED)
    me = [sys.executable, __file__]
    common = [peer, ",".join(map(str, ports))]
    hub = subprocess.Popen([*me, "hub", *common, str(seconds)], env=env, stdout=subprocess.PIPE)
    time.sleep(0.5)  # bound before the servers connect
    # A server killed mid-send is expected; its last words are not.
    quiet = subprocess.DEVNULL
    children = [
        subprocess.Popen([*me, "server", *common, str(i)], env=env, stderr=quiet)
        for i in range(servers)
    ]
    try:
        out, _ = hub.communicate(timeout=seconds + 60)
    finally:
        for child in children:
            child.kill()
            child.wait()
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("hub", "server"):
        role, peer, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3].split(",")]
        if role == "hub":
            _hub(peer, ports, float(sys.argv[4]))
        else:
            _server(peer, ports, int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    runs: dict[tuple[str, bool], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for peer in ("imagezmq", "framehub"):
            for tuned in (False, True):
                runs.setdefault((peer, tuned), []).append(
                    _run(peer, args.servers, args.seconds, tuned)
                )
    print(f"{args.servers} servers, raw 640x480, pattern 1; medians of {args.repeat} runs")
    print(f"{'peer':10} {'allocator':22} {'frames/s':>9} {'hub CPU ms/frame':>17}")
    for (peer, tuned), results in runs.items():
        fps = statistics.median(r["fps"] for r in results)
        cpu = statistics.median(r["cpu_ms_per_frame"] for r in results)
        label = "thresholds raised" if tuned else "glibc defaults"
        print(f"{peer:10} {label:22} {fps:9.0f} {cpu:17.3f}")


if __name__ == "__main__":
    main()
