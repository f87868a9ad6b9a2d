"""What web viewers cost the hub: its receive rate and CPU with no viewer, then with N.

    python benchmarks/web_viewers.py                         # 4 cameras x 30 fps, 10 viewers
    python benchmarks/web_viewers.py --servers 2 --fps 1000  # cameras flat out
    python benchmarks/web_viewers.py --raw                   # raw frames: encoded once

Runs ``framehub demo`` and measures, over alternating windows, the hub's frames/s
(from ``/api/status``) and the demo process's CPU (hub and viewer share it; the
cameras are other processes) with no viewer and with N MJPEG readers: two per
camera, the montage, and one slow reader; more are spread over the cameras.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The readers and the status clock are the tests' own helpers.
sys.path.insert(0, str(ROOT / "tests"))

from web.viewing import (  # noqa: E402
    StreamReader,
    all_streaming,
    framehub,
    receive_rate,
    viewer_url,
    wait_for_status,
)

from support import free_ports  # noqa: E402


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _window(base: str, pid: int, seconds: float) -> tuple[float, float]:
    """Frames/s received and the demo's CPU share (1.0 = one core) over one window."""
    cpu, start = _cpu_seconds(pid), time.monotonic()
    rate = receive_rate(base, seconds)
    return rate, (_cpu_seconds(pid) - cpu) / (time.monotonic() - start)


def _readers(base: str, streams: list[str], count: int) -> list[StreamReader]:
    urls = [*streams, *streams, base + "montage.mjpg"][: max(0, count - 1)]
    urls += [streams[i % len(streams)] for i in range(count - 1 - len(urls))]
    slow = [StreamReader(streams[0], pause=0.25)] if count else []
    return [StreamReader(url) for url in urls] + slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--fps", default="30")
    parser.add_argument("--resolution", default="640x480")
    parser.add_argument("--raw", action="store_true")
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--window", type=float, default=5.0, help="seconds per window")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of windows")
    args = parser.parse_args()

    command = ["demo", "--servers", str(args.servers), "--fps", args.fps]
    command += ["--resolution", args.resolution, "--http", f"127.0.0.1:{free_ports(1)[0]}"]
    demo = framehub(*command, *(["--raw"] if args.raw else []))
    results: dict[str, list[tuple[float, float]]] = {"alone": [], "watched": []}
    try:
        base = viewer_url(demo)
        doc = wait_for_status(base, all_streaming(args.servers))
        streams = [base + row["stream"].lstrip("/") for row in doc["servers"]]
        receive_rate(base, 2.0)  # warm-up
        for _ in range(args.repeat):
            results["alone"].append(_window(base, demo.proc.pid, args.window))
            readers = _readers(base, streams, args.viewers)
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.first.wait(10)
            results["watched"].append(_window(base, demo.proc.pid, args.window))
            for reader in readers:
                reader.stop()
    finally:
        demo.kill()

    print(f"framehub demo {' '.join(command[1:-2])}{' --raw' if args.raw else ''}")
    print(f"{args.repeat} x {args.window:g} s windows each, medians (all runs)")
    print(f"{'':>22} {'frames/s':>9} {'hub CPU':>8}")
    for name, runs in results.items():
        label = "no viewer" if name == "alone" else f"{args.viewers} viewers"
        rate = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        detail = ", ".join(f"{r:.1f}" for r, _ in runs)
        print(f"{label:>22} {rate:>9.1f} {100 * cpu:>7.0f}%   ({detail})")
    alone = statistics.median(r for r, _ in results["alone"])
    watched = statistics.median(r for r, _ in results["watched"])
    print(f"receive rate with viewers: {100 * watched / alone:.1f}% of the rate without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
