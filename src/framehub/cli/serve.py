"""``framehub serve``: one camera server streaming to a hub."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time

from ..api import JpegConfig, Sender, SenderConfig
from ..sources import CamGear, FrameSource, PiGear, TestPattern
from .common import (
    CommandError,
    add_command,
    add_jpeg_options,
    port_number,
    positive,
    resolution,
)

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)

EXAMPLES = """\
  framehub serve --source test --address 192.168.1.10 --port 5566
  framehub serve --source 0 --address 192.168.1.10 --port 5567 --message "door camera"
  framehub serve --source pi --resolution 1280x720 --fps 30 --port 5568
  framehub serve --source clip.mp4 --port 5569 --pattern 2 --fps 15
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "serve",
        summary="stream one camera to a hub",
        description="Stream one camera (or file, URL, test pattern) to a framehub or "
        "vidgear hub in Multi-Servers Mode. Reconnects on its own; Ctrl+C stops it cleanly.",
        examples=EXAMPLES,
    )
    parser.add_argument(
        "--source",
        default="test",
        help="'test' (a generated pattern), 'pi' (a Raspberry Pi camera), a device index, "
        "a file or a URL (default: test)",
    )
    parser.add_argument("--address", default="127.0.0.1", help="the hub's address")
    parser.add_argument(
        "--port", type=port_number, required=True, help="this server's own port on the hub"
    )
    parser.add_argument("--pattern", type=int, choices=[1, 2], default=1)
    parser.add_argument("--name", default=None, help="label drawn on test-pattern frames")
    parser.add_argument("--message", default=None, help="text sent with every frame")
    parser.add_argument(
        "--resolution",
        type=resolution,
        default=(640, 480),
        help="test pattern or Pi camera size, WxH (default: 640x480)",
    )
    parser.add_argument(
        "--fps",
        type=positive,
        default=None,
        help="frames per second cap (test pattern and Pi camera default: 30)",
    )
    add_jpeg_options(parser)
    parser.add_argument("--seconds", type=positive, default=None, help="stop after this long")
    parser.add_argument(
        "--stats", action="store_true", help="print a JSON line of counters when done"
    )
    parser.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="also stop when standard input closes (for a supervising process)",
    )


def open_source(args: argparse.Namespace) -> FrameSource:
    if args.source == "test":
        label = args.name or f"camera {args.port}"
        return TestPattern(args.resolution, args.fps or 30, label, seed=hash(label) % 97)
    if args.source == "pi":
        return PiGear(resolution=args.resolution, framerate=args.fps or 30)
    source: int | str = int(args.source) if args.source.isdigit() else args.source
    return CamGear(source=source)


def _stop_at_eof(stop_event: threading.Event) -> None:
    def wait() -> None:
        # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts
        # the interpreter's shutdown.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        stop_event.set()

    threading.Thread(target=wait, name="framehub-stdin", daemon=True).start()


def run(args: argparse.Namespace, stop_event: threading.Event) -> int:
    if args.until_stdin_closes:
        _stop_at_eof(stop_event)
    jpeg = None if args.raw else JpegConfig(quality=args.jpeg_quality)
    # The port goes on the wire as a string, as in vidgear's examples (port="5566").
    config = SenderConfig(
        port=str(args.port), address=args.address, pattern=args.pattern, jpeg=jpeg
    )
    period = 1.0 / args.fps if args.fps and args.source not in ("test", "pi") else 0.0
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    ended = False
    with open_source(args).start() as source, Sender(config) as sender:
        log.info("streaming %s to tcp://%s:%s", args.source, args.address, args.port)
        next_due = time.monotonic()
        while not stop_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            frame = source.read()
            if frame is None:
                ended = True
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
    if ended and (args.source.isdigit() or args.source == "pi"):
        raise CommandError(f"camera {args.source} stopped delivering frames", code=1)
    log.info("the source ended" if ended else "stopped")
    return 0
