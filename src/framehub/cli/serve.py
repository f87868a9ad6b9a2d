"""``framehub serve``: one camera server streaming to a hub."""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path

from ..api import Sender, SenderConfig, SenderStats
from ..sources import CamGear, FrameSource, PiGear, TestPattern
from .common import (
    CommandError,
    add_codec_options,
    add_command,
    add_jpeg_options,
    add_pattern_option,
    add_resolution_option,
    add_secure_options,
    codec_settings,
    non_negative,
    port_number,
    positive,
    security_config,
    server_name,
)

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)

EXAMPLES = """\
  framehub serve --source test --address 192.168.1.10 --port 5566
  framehub serve --source 0 --address 192.168.1.10 --port 5567 --message "door camera"
  framehub serve --source pi --resolution 1280x720 --fps 30 --port 5568
  framehub serve --source clip.mp4 --port 5569 --pattern 2 --fps 15
  framehub serve --source 0 --port 5566 --name door --secure ironhouse --key-name door
  framehub serve --source pi --port 5566 --codec h264 --bitrate 1M
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "serve",
        summary="stream one camera to a hub",
        description="Stream one camera (or file, URL, test pattern) to a framehub or "
        "vidgear hub in Multi-Servers Mode. Says when it reaches the hub, loses it and "
        "finds it again, and what it sent when it stops. Reconnects on its own; Ctrl+C "
        "stops it cleanly.",
        examples=EXAMPLES,
    )
    parser.add_argument(
        "--source",
        default="test",
        help="'test' (a generated pattern), 'pi' (a Raspberry Pi camera), a device index, "
        "a file or a URL (default: test)",
    )
    parser.add_argument(
        "--address", default="127.0.0.1", help="the hub's address (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=port_number, required=True, help="this server's own port on the hub"
    )
    add_pattern_option(parser, other_end="hub")
    parser.add_argument(
        "--name",
        type=server_name,
        default=None,
        help="this camera's name: a framehub hub shows it beside the port, 'door (5566)' "
        "(also drawn on test-pattern frames)",
    )
    parser.add_argument("--message", default=None, help="text sent with every frame")
    add_resolution_option(parser, what="test pattern or Pi camera size")
    parser.add_argument(
        "--fps",
        type=non_negative,
        default=None,
        help="frames per second (default: 30 for the test pattern and a Pi camera, a video "
        "file's own rate, a camera's or URL's as it delivers); 0: as fast as possible",
    )
    add_jpeg_options(parser)
    add_codec_options(parser)
    add_secure_options(parser, camera=True)
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
        rate = 30 if args.fps is None else args.fps
        return TestPattern(args.resolution, rate, label, seed=hash(label) % 97)
    if args.source == "pi":
        return PiGear(resolution=args.resolution, framerate=args.fps or 30)
    source: int | str = int(args.source) if args.source.isdigit() else args.source
    return CamGear(source=source)


def frame_period(args: argparse.Namespace, source: FrameSource) -> float:
    """Seconds between frames the loop keeps: ``--fps``, or a video file's own rate.

    A file is read as fast as it decodes (vidgear's CamGear does the same): paced at
    its rate, it streams as it was filmed. The test pattern and a Pi camera keep
    their own time; a device or URL delivers at its own rate.
    """
    if args.source in ("test", "pi"):
        return 0.0
    if args.fps is not None:
        return 1.0 / args.fps if args.fps else 0.0
    if isinstance(source, CamGear) and Path(args.source).is_file() and source.framerate:
        return 1.0 / source.framerate
    return 0.0


def _check_address(address: str, port: int) -> None:
    """Fail at once, saying so, when the hub's host name does not resolve: otherwise the
    sender would wait for a hub that it can never reach."""
    try:
        socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CommandError(
            f"cannot resolve the hub's address {address!r}: {exc.strerror}"
        ) from None


class HubWatch:
    """Turns a sender's counters into what a person running ``serve`` wants to hear:
    the hub reached, lost, and reached again.

    Pattern 1 counts the hub's acknowledgements; pattern 2 gets none, so a frame sent
    to a subscribed hub is the sign of one.
    """

    def __init__(self, hub: str, *, acknowledged: bool) -> None:
        self.hub = hub
        self._acknowledged = acknowledged
        self._progress = 0
        self._dropped = 0
        self._connected = False
        self._ever = False

    def update(self, stats: SenderStats) -> str | None:
        progress = stats.acknowledged if self._acknowledged else stats.sent
        news = None
        if progress > self._progress and not self._connected:
            self._connected = True
            news = f"{'back in touch with' if self._ever else 'connected to'} the hub at {self.hub}"
            self._ever = True
        elif stats.dropped > self._dropped and self._connected:
            self._connected = False
            news = f"the hub at {self.hub} went away; dropping frames until it is back"
        self._progress, self._dropped = progress, stats.dropped
        return news


def _stop_at_eof(stop_event: threading.Event) -> None:
    def wait() -> None:
        # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts
        # the interpreter's shutdown.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        stop_event.set()

    threading.Thread(target=wait, name="framehub-stdin", daemon=True).start()


def _say(text: str) -> None:
    print(f"framehub serve: {text}", flush=True)


def run(args: argparse.Namespace, stop_event: threading.Event) -> int:
    if args.until_stdin_closes:
        _stop_at_eof(stop_event)
    _check_address(args.address, args.port)
    security = security_config(args)
    # The port goes on the wire as a string, as in vidgear's examples (port="5566").
    config = SenderConfig(
        port=str(args.port),
        address=args.address,
        pattern=args.pattern,
        name=args.name,
        **codec_settings(args),
        security=security,
    )
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    hub = f"tcp://{args.address}:{args.port}"
    watch = HubWatch(hub, acknowledged=args.pattern == 1)
    ended = False
    with open_source(args).start() as source, Sender(config) as sender:
        period = frame_period(args, source)
        _say(
            f"streaming {args.source}"
            + (f" as {args.name!r}" if args.name else "")
            + f" to {hub} (pattern {args.pattern}"
            + (f", {args.secure}" if security is not None else "")
            + (f", {1 / period:g} fps" if period else "")
            + "); waiting for the hub"
        )
        next_due = time.monotonic()
        while not stop_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            frame = source.read()
            if frame is None:
                ended = True
                break
            sender.send(frame, message=args.message)
            if (news := watch.update(sender.stats)) is not None:
                _say(news)
            if period:
                next_due += period
                now = time.monotonic()
                if now - next_due > period:
                    next_due = now  # more than a frame behind: no burst to catch up
                stop_event.wait(max(0.0, next_due - now))
    stats = sender.stats
    _say(
        f"{'the source ended' if ended else 'stopped'}: sent {stats.sent} frame(s), "
        f"{stats.acknowledged} acknowledged, {stats.dropped} dropped"
    )
    if args.stats:
        counters = {
            "sent": stats.sent,
            "acknowledged": stats.acknowledged,
            "dropped": stats.dropped,
        }
        print(json.dumps(counters), flush=True)
    if ended and (args.source.isdigit() or args.source == "pi"):
        raise CommandError(f"camera {args.source} stopped delivering frames", code=1)
    return 0
