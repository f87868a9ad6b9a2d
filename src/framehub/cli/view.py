"""``framehub view``: a hub that shows, and optionally records, every server's stream.

With ``--publish`` the hub also republishes what it receives; with ``--from`` the
command is a subscriber instead, showing the cameras that other hubs republish.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from ..api import Hub, HubConfig, ImagezmqConfig, Lifetime, Subscriber, SubscriberConfig
from ..api.receiving import Receiving
from .common import (
    CommandError,
    add_command,
    add_pattern_option,
    add_secure_options,
    port_number,
    positive,
    security_config,
)
from .record import FORMATS, Recorder
from .runner import HubRunner, Sink
from .table import LiveTable, format_table
from .web import add_web_options, open_web
from .window import Window, gui_problem

__all__ = ["add_parser", "run"]

EXAMPLES = """\
  framehub view --ports 5566 5567                 # then open http://127.0.0.1:8080/
  framehub view --address 192.168.1.10 --ports 5566 5567 --http 0.0.0.0:8080 --token s3cret
  framehub view --ports 5566 5567 --record recordings/ --no-web
  framehub view --ports 5566 --window             # needs a desktop OpenCV (framehub[desktop])
  framehub view --ports 5566 5567 --seconds 60 --json   # a JSON summary per server
  framehub view --ports 5566 5567 --secure ironhouse    # keys from 'framehub keys'
  framehub view --ports 5566 5567 --publish 'tcp://*:5600'   # and republish for others
  framehub view --from tcp://hub1:5600 tcp://hub2:5600 --camera door 5567   # elsewhere
  framehub view --imagezmq-port 5555               # imagezmq senders, REQ/REP, unchanged
  framehub view --imagezmq-connect tcp://pi1:5555 --imagezmq-connect tcp://pi2:5555

servers connect with: framehub serve --address <this host> --port 5566
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "view",
        summary="run a hub: web viewer, OpenCV window, recording",
        description="Bind one port per server (Multi-Servers Mode) and show every "
        "server's live stream in the web viewer, an OpenCV window and a terminal table, "
        "and record it if asked. Runs until Ctrl+C.",
        examples=EXAMPLES,
    )
    parser.add_argument(
        "--address",
        default="*",
        help="address to bind the hub's ports on (default: *, every interface)",
    )
    # Neither is required: a hub may take imagezmq senders alone.
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--ports",
        type=port_number,
        nargs="+",
        metavar="PORT",
        help="one port per server (framehub or NetGear)",
    )
    imagezmq = parser.add_argument_group(
        "imagezmq senders", "each known by the name it sends; gone after 5 s without a frame"
    )
    imagezmq.add_argument(
        "--imagezmq-port",
        type=port_number,
        metavar="PORT",
        help="bind PORT for imagezmq REQ/REP senders (ImageSender('tcp://<hub>:PORT')), "
        "any number of them",
    )
    imagezmq.add_argument(
        "--imagezmq-connect",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="connect to an imagezmq PUB/SUB sender bound at ADDRESS (tcp://pi1:5555); "
        "repeat for each",
    )
    where.add_argument(
        "--from",
        dest="hubs",
        nargs="+",
        metavar="ENDPOINT",
        help="be a subscriber: show the cameras these hubs republish (their --publish)",
    )
    parser.add_argument(
        "--publish",
        metavar="ENDPOINT",
        help="also republish every server's frames, as received, for 'view --from' "
        "elsewhere (e.g. 'tcp://*:5600')",
    )
    parser.add_argument(
        "--camera",
        dest="cameras",
        action="extend",
        nargs="+",
        metavar="CAMERA",
        help="with --from: only these cameras, by port or by name (default: every camera)",
    )
    add_pattern_option(parser, other_end="servers")
    add_web_options(parser)
    add_secure_options(parser, camera=False)
    parser.add_argument("--window", action="store_true", help="show the montage in a window")
    record = parser.add_argument_group("recording")
    record.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="write each server's stream to DIR/<server>_<YYYYmmdd-HHMMSS>.<format>",
    )
    record.add_argument(
        "--record-format",
        choices=sorted(FORMATS),
        default="avi",
        help="avi (Motion JPEG, the default) or mp4 (MPEG-4 Part 2)",
    )
    record.add_argument(
        "--rotate",
        type=positive,
        default=3600.0,
        metavar="SECONDS",
        help="start a new file per server this often (default: 3600, hourly)",
    )
    parser.add_argument(
        "--until-ended",
        action="store_true",
        help="exit once every server has said goodbye (as a NetGear client does)",
    )
    parser.add_argument("--seconds", type=positive, default=None, help="stop after this long")
    parser.add_argument("--no-table", action="store_true", help="do not print the status table")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print only the closing summary, as JSON: per server frames, fps, latency "
        "p50/p99, bytes, drops",
    )


def _imagezmq_config(args: argparse.Namespace) -> ImagezmqConfig | None:
    if args.imagezmq_port is None and not args.imagezmq_connect:
        return None
    return ImagezmqConfig(port=args.imagezmq_port, connect=tuple(args.imagezmq_connect))


def _imagezmq_summary(args: argparse.Namespace) -> str:
    where = [] if args.imagezmq_port is None else [f"on tcp://{args.address}:{args.imagezmq_port}"]
    where += [f"from {address}" for address in args.imagezmq_connect]
    return "for imagezmq senders " + ", ".join(where)


def _open_hub(args: argparse.Namespace) -> tuple[Receiving, tuple[str, ...], str]:
    """The hub the options ask for, the servers it expects, and how to say what it is."""
    lifetime = Lifetime.STREAM if args.until_ended else Lifetime.SERVICE
    imagezmq = _imagezmq_config(args)
    if args.hubs is not None:
        if args.publish is not None or args.secure is not None or imagezmq is not None:
            raise CommandError(
                "--publish, --secure and --imagezmq-* go with --ports (or alone), not --from"
            )
        subscriber = SubscriberConfig(
            hubs=tuple(args.hubs),
            cameras=None if args.cameras is None else tuple(args.cameras),
            decode=False,
            lifetime=lifetime,
        )
        cameras = ", ".join(args.cameras or ["every camera"])
        return Subscriber(config=subscriber), (), f"subscribed to {' '.join(args.hubs)} ({cameras})"
    if args.cameras is not None:
        raise CommandError("--camera goes with --from")
    ports = args.ports or []
    if not ports and imagezmq is None:
        raise CommandError("give --ports, --from, --imagezmq-port or --imagezmq-connect")
    if len(set(ports)) != len(ports):
        raise CommandError(f"--ports must be distinct, got {ports}")
    config = HubConfig(
        ports=tuple(ports),
        address=args.address,
        pattern=args.pattern,
        decode=False,
        lifetime=lifetime,
        security=security_config(args),
        publish=args.publish,
        imagezmq=imagezmq,
    )
    secure = "" if args.secure is None else f", {args.secure}"
    publish = "" if args.publish is None else f", republished on {args.publish}"
    what = []
    if ports:
        pattern = f"pattern {args.pattern}{secure}"
        what.append(f"on tcp://{args.address}:{','.join(config.sources)} ({pattern})")
    if imagezmq is not None:
        what.append(_imagezmq_summary(args))
    return Hub(config), config.sources, "hub " + " and ".join(what) + publish


def run(args: argparse.Namespace, stop: threading.Event) -> int:
    if args.window and (problem := gui_problem()) is not None:
        raise CommandError(problem)
    say = sys.stderr if args.json else sys.stdout
    with ExitStack() as stack:
        hub, expected, what = _open_hub(args)
        stack.enter_context(hub)
        table = LiveTable(enabled=not (args.no_table or args.json), order=expected)
        sinks: list[Sink] = []
        web = open_web(args, expected)
        if web is not None:
            stack.callback(web.close)
            sinks.append(web)
        if args.record is not None:
            recorder = Recorder(args.record, rotate=args.rotate, container=args.record_format)
            stack.callback(recorder.close)
            sinks.append(recorder)
        if args.window:
            window = Window(stop, expected)
            stack.callback(window.close)
            sinks.append(window)
        sinks.append(table)
        print(f"framehub view: {what}", file=say)
        if web is not None:
            print(f"viewer at {web.viewer.url}", file=say)
        if args.record is not None:
            print(
                f"recording to {args.record} ({args.record_format}, a new file every "
                f"{args.rotate:g} s)",
                file=say,
            )
        say.flush()
        HubRunner(hub, sinks).run(stop, seconds=args.seconds)
        rows = table.rows(hub.status(), summary=True)
    if args.json:
        print(json.dumps({"servers": rows}, default=str))
    else:
        print(f"\nsummary:\n{format_table(rows)}")
    sys.stdout.flush()
    return 0
