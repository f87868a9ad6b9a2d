"""``framehub serve``: one camera server streaming to a hub."""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time

from ..api import JpegConfig, Sender, SenderConfig
from ..sources import CamGear, FrameSource, TestPattern
from .common import add_logging, positive, resolution

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)

EXAMPLES = """examples:
  framehub serve --source test --address 192.168.1.10 --port 5566
  framehub serve --source 0 --address 192.168.1.10 --port 5567 --message "door camera"
  framehub serve --source clip.mp4 --port 5568 --pattern 2 --fps 15
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="stream one camera to a hub",
        description="Stream one camera (or file, URL, test pattern) to a framehub or "
        "vidgear hub in Multi-Servers Mode. Reconnects on its own; Ctrl+C stops it cleanly.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--source", default="test", help="'test', a device index, a file or a URL (default: test)"
    )
    parser.add_argument("--address", default="127.0.0.1", help="the hub's address")
    parser.add_argument("--port", required=True, help="this server's own port on the hub")
    parser.add_argument("--pattern", type=int, choices=[1, 2], default=1)
    parser.add_argument("--name", default=None, help="label drawn on test-pattern frames")
    parser.add_argument("--message", default=None, help="text sent with every frame")
    parser.add_argument(
        "--resolution",
        type=resolution,
        default=(640, 480),
        help="test pattern size, WxH (default: 640x480)",
    )
    parser.add_argument(
        "--fps",
        type=positive,
        default=None,
        help="frames per second cap (test pattern default: 30)",
    )
    parser.add_argument(
        "--jpeg-quality",
        type=int,
        default=90,
        metavar="Q",
        help="JPEG quality 10-100 (default: 90)",
    )
    parser.add_argument("--raw", action="store_true", help="send raw frames, no JPEG")
    parser.add_argument("--seconds", type=positive, default=None, help="stop after this long")
    parser.add_argument(
        "--stats", action="store_true", help="print a JSON line of counters when done"
    )
    add_logging(parser)


def open_source(args: argparse.Namespace) -> FrameSource:
    if args.source == "test":
        label = args.name or f"camera {args.port}"
        return TestPattern(args.resolution, args.fps or 30, label, seed=hash(label) % 97)
    source: int | str = int(args.source) if args.source.isdigit() else args.source
    return CamGear(source=source)


def run(args: argparse.Namespace, stop_event: threading.Event) -> int:
    jpeg = None if args.raw else JpegConfig(quality=args.jpeg_quality)
    config = SenderConfig(port=args.port, address=args.address, pattern=args.pattern, jpeg=jpeg)
    period = 1.0 / args.fps if args.fps and args.source != "test" else 0.0
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    with open_source(args).start() as source, Sender(config) as sender:
        next_due = time.monotonic()
        while not stop_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            frame = source.read()
            if frame is None:
                log.info("the source ended")
                break
            sender.send(frame, message=args.message)
            if period:
                next_due += period
                stop_event.wait(max(0.0, next_due - time.monotonic()))
    if args.stats:
        stats = sender.stats
        print(
            json.dumps(
                {"sent": stats.sent, "acknowledged": stats.acknowledged, "dropped": stats.dropped}
            ),
            flush=True,
        )
    return 0
