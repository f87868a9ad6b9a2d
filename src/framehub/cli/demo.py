"""``framehub demo``: generated cameras in their own processes streaming into one hub."""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from ..api import Hub, HubConfig, JpegConfig
from ..errors import PeerTimeout
from .common import add_logging, positive, resolution

__all__ = ["add_parser", "run"]

EXAMPLES = """examples:
  framehub demo                      # 2 cameras, 5 seconds
  framehub demo --servers 4 --seconds 10 --resolution 1280x720
  framehub demo --pattern 2 --raw
"""

#: Latencies kept per server for the percentiles.
_LATENCY_WINDOW = 300
_STOP_GRACE = 5.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo",
        help="run generated cameras into one hub on this machine",
        description="Start N test-pattern cameras, each a separate server process, "
        "streaming into one hub in Multi-Servers Mode, and report each one's frame "
        "rate and latency. No camera needed.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--servers", type=int, default=2, help="number of cameras (default 2)")
    parser.add_argument("--pattern", type=int, choices=[1, 2], default=1)
    parser.add_argument("--resolution", type=resolution, default=(640, 480))
    parser.add_argument("--fps", type=positive, default=30.0, help="per camera (default 30)")
    parser.add_argument("--jpeg-quality", type=int, default=90, metavar="Q")
    parser.add_argument("--raw", action="store_true", help="send raw frames, no JPEG")
    parser.add_argument(
        "--seconds",
        type=positive,
        default=5.0,
        help="run this long, then print a summary (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_logging(parser)


@dataclass
class _Counters:
    frames: int = 0
    first: float = 0.0
    last: float = 0.0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_WINDOW))
    message: object = None


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


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
    ]
    return [*command, "--raw"] if args.raw else command


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rows(counters: dict[str, _Counters], now: float) -> list[dict[str, object]]:
    rows = []
    for source, c in sorted(counters.items()):
        span = max(c.last - c.first, 1e-9)
        lat = list(c.latencies)
        rows.append(
            {
                "server": source,
                "frames": c.frames,
                "fps": round((c.frames - 1) / span, 1) if c.frames > 1 else 0.0,
                "latency_ms_p50": round(1000 * statistics.median(lat), 2) if lat else None,
                "latency_ms_p99": round(1000 * _percentile(lat, 0.99), 2) if lat else None,
                "last_seen_s": round(now - c.last, 1),
                "message": c.message,
            }
        )
    return rows


def _print_table(rows: list[dict[str, object]], stream: object = sys.stdout) -> None:
    print(f"{'server':>8} {'frames':>7} {'fps':>6} {'p50 ms':>7} {'p99 ms':>7}  message")
    for r in rows:
        p50 = "-" if r["latency_ms_p50"] is None else f"{r['latency_ms_p50']:.1f}"
        p99 = "-" if r["latency_ms_p99"] is None else f"{r['latency_ms_p99']:.1f}"
        print(f"{r['server']:>8} {r['frames']:>7} {r['fps']:>6} {p50:>7} {p99:>7}  {r['message']}")
    sys.stdout.flush()


def run(args: argparse.Namespace, stop: threading.Event) -> int:
    if args.servers < 1:
        raise ValueError("--servers must be at least 1")
    ports = _free_ports(args.servers)
    jpeg = None if args.raw else JpegConfig(quality=args.jpeg_quality)
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", pattern=args.pattern, jpeg=jpeg)
    counters: dict[str, _Counters] = defaultdict(_Counters)
    with Hub(config) as hub:
        servers = [
            subprocess.Popen(_server_command(args, port, i + 1)) for i, port in enumerate(ports)
        ]
        try:
            print(
                f"framehub demo: {args.servers} camera(s) into one hub on ports "
                f"{ports[0]}-{ports[-1]}, pattern {args.pattern}, "
                f"{'raw' if args.raw else 'JPEG'} {args.resolution[0]}x{args.resolution[1]} "
                f"at {args.fps:g} fps, for {args.seconds:g} s",
                flush=True,
            )
            deadline = time.monotonic() + args.seconds
            next_report = time.monotonic() + 1.0
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    frame = hub.recv(timeout=0.25)
                except PeerTimeout:
                    frame = None
                now = time.monotonic()
                if frame is not None:
                    c = counters[frame.source]
                    c.frames += 1
                    c.first = c.first or now
                    c.last = now
                    c.message = frame.message
                    if frame.sent_at is not None:
                        c.latencies.append(time.time() - frame.sent_at)
                if now >= next_report and not args.json:
                    _print_table(_rows(counters, now))
                    next_report = now + 1.0
        finally:
            for server in servers:
                server.terminate()
            _drain(hub)
            for server in servers:
                try:
                    server.wait(_STOP_GRACE)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
    rows = _rows(counters, time.monotonic())
    streaming = sum(1 for r in rows if r["frames"])
    if args.json:
        print(json.dumps({"servers": rows, "streaming": streaming}), flush=True)
    else:
        print(f"\nsummary: {streaming} of {args.servers} camera(s) streamed")
        _print_table(rows)
    return 0 if streaming == args.servers else 1


def _drain(hub: Hub) -> None:
    """Let the servers' goodbyes arrive (bounded) so their closes are confirmed."""
    deadline = time.monotonic() + _STOP_GRACE
    while time.monotonic() < deadline:
        try:
            if hub.recv(timeout=max(0.01, deadline - time.monotonic())) is None:
                return
        except PeerTimeout:
            return
