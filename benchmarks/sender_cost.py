"""What one sending thread pays per frame: framehub's NetGear against vidgear's.

    python benchmarks/sender_cost.py [--frames 3000] [--repeat 3] [--jpeg]

One server sends raw (or JPEG) 640x480 frames flat out, in pattern 1, to a framehub
hub in a child process. Around the measured frames the sending thread's getrusage
is read: user and system CPU per frame, and its voluntary context switches (how
often it went to sleep waiting; one per frame is the acknowledgement). The two
libraries alternate, ``--repeat`` times each; on a shared machine compare medians.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.frames import make_frames
from benchmarks.suite.runner import free_ports

WARMUP = 50


def hub(port: int, frames: int, jpeg: bool) -> None:
    from framehub import NetGear

    client = NetGear(
        receive_mode=True,
        address="127.0.0.1",
        port=[str(port)],
        pattern=1,
        multiserver_mode=True,
        jpeg_compression=jpeg,
    )
    for _ in range(frames):
        if client.recv() is None:
            break
    time.sleep(0.5)
    client.close()


def measure(library: str, frames: int, jpeg: bool) -> dict[str, float]:
    (port,) = free_ports(1)
    child = mp.Process(target=hub, args=(port, frames + WARMUP, jpeg), daemon=True)
    child.start()
    if library == "framehub":
        from framehub import NetGear
    else:
        from vidgear.gears import NetGear  # type: ignore[import-untyped,no-redef]
    images = make_frames(640, 480)
    server: Any = NetGear(
        address="127.0.0.1",
        port=str(port),
        pattern=1,
        multiserver_mode=True,
        jpeg_compression=jpeg,
        logging=False,
    )
    for i in range(WARMUP):
        server.send(images[i % len(images)])
    before = resource.getrusage(resource.RUSAGE_THREAD)
    for i in range(frames):
        server.send(images[i % len(images)])
    after = resource.getrusage(resource.RUSAGE_THREAD)
    server.close()
    child.join(10)
    return {
        "user_us": 1e6 * (after.ru_utime - before.ru_utime) / frames,
        "system_us": 1e6 * (after.ru_stime - before.ru_stime) / frames,
        "waits": (after.ru_nvcsw - before.ru_nvcsw) / frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jpeg", action="store_true")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"framehub": [], "vidgear": []}
    for _ in range(args.repeat):
        for library, results in runs.items():
            results.append(measure(library, args.frames, args.jpeg))
    codec = "JPEG" if args.jpeg else "raw"
    print(f"one sender, {codec} 640x480, pattern 1; medians of {args.repeat} runs")
    print(f"{'':10} {'user us':>8} {'system us':>10} {'waits':>6}   per frame, sending thread")
    for library, results in runs.items():
        row = [statistics.median(r[key] for r in results) for key in ("user_us", "system_us")]
        waits = statistics.median(r["waits"] for r in results)
        print(f"{library:10} {row[0]:8.0f} {row[1]:10.0f} {waits:6.2f}")


if __name__ == "__main__":
    main()
