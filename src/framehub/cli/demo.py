"""``framehub demo``: generated cameras in their own processes streaming into one hub."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from contextlib import ExitStack
from typing import Any, TextIO

from ..api import Hub, HubConfig, Lifetime, SenderConfig
from .common import (
    CommandError,
    add_codec_options,
    add_command,
    add_jpeg_options,
    add_pattern_option,
    add_resolution_option,
    add_secure_options,
    codec_arguments,
    codec_label,
    codec_settings,
    count,
    free_ports,
    port_number,
    positive,
    security_config,
)
from .runner import HubRunner
from .table import LiveTable, format_table, streaming
from .web import WebSink, add_web_options, open_web

__all__ = ["add_parser", "run"]

EXAMPLES = """\
  framehub demo                          # 4 cameras until Ctrl+C; open the printed address
  framehub demo --servers 8 --resolution 1280x720 --fps 15
  framehub demo --pattern 2 --raw --no-web
  framehub demo --seconds 10 --json      # stop by itself, print a JSON summary
  framehub demo --base-port 6000         # cameras on ZeroMQ ports 6000-6003
  framehub keys && framehub demo --secure ironhouse
"""

#: Seconds the cameras get to say goodbye before they are killed.
_STOP_GRACE = 5.0
#: Seconds the cameras get to start streaming before ``--seconds`` counts regardless.
_START_TIMEOUT = 30.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "demo",
        summary="run generated cameras into one hub on this machine, with the web viewer",
        description="Start N test-pattern cameras, each a separate server process, "
        "streaming into one hub in Multi-Servers Mode; serve the live montage at a "
        "local address and show each camera's state, frame rate, latency and drops. "
        "No camera needed. Runs until Ctrl+C, or for --seconds.",
        examples=EXAMPLES,
    )
    parser.add_argument("--servers", type=count, default=4, help="number of cameras (default 4)")
    parser.add_argument(
        "--base-port",
        type=port_number,
        default=None,
        metavar="PORT",
        help="the cameras' ZeroMQ ports are PORT, PORT+1, ... (default: free ones the OS picks)",
    )
    add_pattern_option(parser)
    add_resolution_option(parser, what="frame size")
    parser.add_argument("--fps", type=positive, default=30.0, help="per camera (default 30)")
    add_jpeg_options(parser)
    add_codec_options(parser)
    parser.add_argument(
        "--seconds",
        type=positive,
        default=None,
        help="stop by itself after this long and print a summary (default: run until Ctrl+C)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    add_web_options(parser)
    add_secure_options(parser, camera=False)


def _server_command(args: argparse.Namespace, port: int, index: int) -> list[str]:
    width, height = args.resolution
    command = [
        sys.executable,
        "-m",
        "framehub",
        "serve",
        "--source",
        "test",
        "--address",
        "127.0.0.1",
        "--port",
        str(port),
        "--pattern",
        str(args.pattern),
        "--resolution",
        f"{width}x{height}",
        "--fps",
        str(args.fps),
        "--name",
        f"camera {index}",
        "--message",
        f"camera {index}",
        "--jpeg-quality",
        str(args.jpeg_quality),
        "--log-level",
        args.log_level,
        # A camera whose demo died (even by SIGKILL) sees its stdin close and stops.
        "--until-stdin-closes",
    ]
    if args.secure is not None:
        command += ["--secure", args.secure]
        if args.keys is not None:
            command += ["--keys", args.keys]
    command += codec_arguments(args)
    return [*command, "--raw"] if args.raw else command


def _stop(cameras: list[subprocess.Popen[bytes]], runner: HubRunner) -> None:
    for camera in cameras:
        if camera.poll() is None:
            camera.terminate()
    runner.drain(_STOP_GRACE)
    for camera in cameras:
        try:
            camera.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            camera.kill()
            camera.wait()
        if camera.stdin is not None:
            camera.stdin.close()


def _ports(args: argparse.Namespace) -> list[int]:
    if args.base_port is None:
        return free_ports(args.servers)
    last = args.base_port + args.servers - 1
    if last > 65535:
        raise CommandError(f"--base-port {args.base_port} leaves no room for {args.servers} ports")
    return list(range(args.base_port, last + 1))


def run(args: argparse.Namespace, stop: threading.Event) -> int:
    # What the cameras would refuse (a contradiction, H.264 without PyAV) is said here,
    # once, before any camera starts.
    SenderConfig(port=0, **codec_settings(args))
    ports = _ports(args)
    config = HubConfig(
        ports=tuple(ports),
        address="127.0.0.1",
        pattern=args.pattern,
        decode=False,
        lifetime=Lifetime.SERVICE,
        security=security_config(args),
    )
    say = sys.stderr if args.json else sys.stdout
    table = LiveTable(enabled=not args.json, order=config.sources)
    with ExitStack() as stack:
        hub = stack.enter_context(Hub(config))
        web = open_web(args, config.sources)
        if web is not None:
            stack.callback(web.close)
        runner = HubRunner(hub, [table] if web is None else [web, table])
        cameras: list[subprocess.Popen[bytes]] = []
        stack.callback(_stop, cameras, runner)
        for i, port in enumerate(ports):
            command = _server_command(args, port, i + 1)
            # Their own account of what they do would scramble the live table.
            cameras.append(
                subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
            )
        _introduce(args, cameras, ports, web, say)
        # --seconds counts once every camera streams: starting them may take a while.
        every = args.servers
        started = runner.run(stop, seconds=_START_TIMEOUT, until=lambda s: streaming(s) == every)
        if not started and not stop.is_set():
            print(f"not every camera started within {_START_TIMEOUT:g} s", file=say, flush=True)
        runner.run(stop, seconds=args.seconds)
        statuses = hub.status()
    return _summary(args, table.rows(statuses, summary=True), streaming(statuses))


def _introduce(
    args: argparse.Namespace,
    cameras: list[subprocess.Popen[bytes]],
    ports: list[int],
    web: WebSink | None,
    say: TextIO,
) -> None:
    width, height = args.resolution
    print(
        f"framehub demo: {args.servers} camera(s), each its own process, streaming "
        f"{codec_label(args)} {width}x{height} at {args.fps:g} fps into one hub "
        f"on 127.0.0.1 (pattern {args.pattern})",
        file=say,
    )
    for i, (port, camera) in enumerate(zip(ports, cameras, strict=True)):
        print(f"  camera {i + 1}: port {port}, pid {camera.pid}", file=say)
    if web is not None:
        print(f"viewer at {web.viewer.url}", file=say)
    if args.seconds is None:
        print("Ctrl+C to stop.", file=say, flush=True)
    else:
        print(f"stopping {args.seconds:g} s after every camera streams.", file=say, flush=True)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]], live: int) -> int:
    if args.json:
        print(json.dumps({"servers": rows, "streaming": live, "expected": args.servers}))
    else:
        print(f"\nsummary: {live} of {args.servers} camera(s) streaming")
        print(format_table(rows))
    sys.stdout.flush()
    return 0 if live == args.servers else 1
