"""What CURVE encryption costs: framehub plain against framehub in Secure Mode, same run.

One sender process streams to one hub (pattern 1, Multi-Servers Mode) on
loopback, for raw and JPEG frames, with and without Secure Mode (StoneHouse;
IronHouse adds only a per-connection key check). Cells alternate, so drift
on the machine hits both sides alike.

    python benchmarks/secure.py --seconds 5 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from framehub import Hub, HubConfig, JpegConfig, SecurityConfig
from framehub.security import KeyFolder

HERE = Path(__file__).parent


def sender(args: argparse.Namespace) -> None:
    from frames import make_frames

    from framehub import Sender, SenderConfig

    security = SecurityConfig(mode=1, keys=KeyFolder(Path(args.keys))) if args.keys else None
    frames = make_frames(args.width, args.height)
    jpeg = JpegConfig() if args.jpeg else None
    config = SenderConfig(port=args.port, address="127.0.0.1", jpeg=jpeg, security=security)
    deadline = time.monotonic() + args.seconds
    with Sender(config) as s:
        i = 0
        while time.monotonic() < deadline:
            s.send(frames[i % len(frames)])
            i += 1


def cell(port: int, keys: Path | None, jpeg: bool, args: argparse.Namespace) -> dict[str, float]:
    security = SecurityConfig(mode=1, keys=KeyFolder(keys)) if keys else None
    config = HubConfig(ports=(port,), address="127.0.0.1", decode=False, security=security)
    command = [sys.executable, __file__, "--sender", "--port", str(port)]
    command += ["--seconds", str(args.seconds), "--width", str(args.width)]
    command += ["--height", str(args.height)] + (["--jpeg"] if jpeg else [])
    command += ["--keys", str(keys)] if keys else []
    with Hub(config) as hub:
        child = subprocess.Popen(command, cwd=HERE)
        frames = nbytes = 0
        first = last = 0.0
        for frame in hub:
            last = time.monotonic()
            if frames == 0:
                first = last
            frames += 1
            nbytes += len(frame.jpeg) if frame.jpeg is not None else args.width * args.height * 3
        child.wait(30)
    span = max(last - first, 1e-9)
    return {"fps": (frames - 1) / span, "MB/s": nbytes / span / 1e6}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=5590)
    p.add_argument("--keys", default=None, help=argparse.SUPPRESS)
    p.add_argument("--jpeg", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    args = p.parse_args()
    if args.sender:
        sender(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp)
        for name in ("server", "client"):
            KeyFolder(keys).create(name)
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.repeat):
            for jpeg in (False, True):
                for secure in (False, True):
                    name = f"{'jpeg' if jpeg else 'raw'} {'curve' if secure else 'plain'}"
                    outcome = cell(args.port, keys if secure else None, jpeg, args)
                    results.setdefault(name, []).append(outcome)
                    print(name, json.dumps({k: round(v, 1) for k, v in outcome.items()}))
    print(f"\nmedian of {args.repeat}, {args.width}x{args.height}, {args.seconds:g} s per cell:")
    for codec in ("raw", "jpeg"):
        plain, curve = (
            statistics.median(r["fps"] for r in results[f"{codec} {kind}"])
            for kind in ("plain", "curve")
        )
        mbs = statistics.median(r["MB/s"] for r in results[f"{codec} curve"])
        print(
            f"  {codec:4}: plain {plain:7.1f} fps, CURVE {curve:7.1f} fps ({mbs:.0f} MB/s): "
            f"CURVE costs {100 * (1 - curve / plain):.0f}% of the frames/s"
        )


if __name__ == "__main__":
    main()
