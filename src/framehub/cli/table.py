"""The terminal table of servers: live while a hub runs, and as the closing summary."""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any, TextIO

from ..api import Frame, ServerState, ServerStatus

__all__ = ["LiveTable", "format_table", "streaming"]

#: Latencies kept per server for a summary's percentiles: ten seconds at 30 frames/s.
_LATENCY_WINDOW = 300
#: Seconds between tables when the output is not a terminal (a log, a pipe).
_LOG_INTERVAL = 10.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 2)


def format_table(rows: list[dict[str, Any]]) -> str:
    """One line per server; ``p50 ms`` is the median latency (``latency_ms_p50``)."""
    width = max([8, *(len(r["label"]) for r in rows)])
    lines = [
        f"{'server':>{width}} {'state':>9} {'fps':>6} {'p50 ms':>7} {'drops':>6} "
        f"{'frames':>7}  message"
    ]
    for r in rows:
        p50 = "-" if r["latency_ms_p50"] is None else f"{r['latency_ms_p50']:.1f}"
        message = "" if r["message"] is None else str(r["message"])
        if r["via"] is not None:
            message = f"imagezmq via {r['via']} {message}"
        if len(r["shared"]) > 1:
            message = f"PORT SHARED by {len(r['shared'])} servers! {message}"
        lines.append(
            f"{r['label']:>{width}} {r['state']:>9} {r['fps']:>6.1f} {p50:>7} {r['dropped']:>6} "
            f"{r['frames']:>7}  {message[:60]}"
        )
    return "\n".join(lines)


def _waiting(source: str) -> dict[str, Any]:
    return {
        "server": source,
        "name": None,
        "label": source,
        "state": "waiting",
        "frames": 0,
        "fps": 0.0,
        "latency_ms_p50": None,
        "latency_ms_p99": None,
        "bytes": 0,
        "dropped": 0,
        "discarded": 0,
        "shared": [],
        "message": None,
        "via": None,
    }


class LiveTable:
    """A ``Sink`` that prints one row per server: state, frames/s, latency, drops, message.

    On a terminal the table is redrawn in place every second; otherwise a new one is
    printed every ten seconds. ``rows()`` gives the same figures for a summary.
    """

    def __init__(
        self, out: TextIO = sys.stdout, *, enabled: bool = True, order: Sequence[str] = ()
    ) -> None:
        self.out = out
        self._order = {source: i for i, source in enumerate(order)}
        self.enabled = enabled
        self.live = enabled and out.isatty()
        self.interval = 1.0 if self.live else _LOG_INTERVAL
        self._latencies: defaultdict[str, deque[float]] = defaultdict(
            lambda: deque(maxlen=_LATENCY_WINDOW)
        )
        self._statuses: tuple[ServerStatus, ...] = ()
        self._drawn = 0

    def frame(self, frame: Frame) -> None:
        latency = frame.latency
        if latency is not None:
            self._latencies[frame.source].append(latency)

    def status(self, statuses: tuple[ServerStatus, ...]) -> None:
        self._statuses = statuses
        if not self.enabled:
            return
        text = format_table(self.rows())
        if self.live and self._drawn:
            # Back to the table's first line and clear what follows, then redraw.
            self.out.write(f"\x1b[{self._drawn}F\x1b[J")
        self.out.write(text + "\n")
        self.out.flush()
        self._drawn = text.count("\n") + 1 if self.live else 0

    def rows(
        self, statuses: tuple[ServerStatus, ...] | None = None, *, summary: bool = False
    ) -> list[dict[str, Any]]:
        """One row per server, the servers still waiting included.

        Live rows give the median latency of the last few seconds (as the viewer and
        ``/api/status`` do); a ``summary`` gives the median and the 99th percentile of
        each server's last frames, and its mean frame rate while it streamed.
        """
        chosen = self._statuses if statuses is None else statuses
        seen = {s.source for s in chosen}
        rows = [_waiting(source) for source in self._order if source not in seen]
        for s in chosen:
            latencies = list(self._latencies[s.source])
            p50 = s.latency_p50
            if summary:
                p50 = statistics.median(latencies) if latencies else None
            span = s.last_seen - s.first_seen
            rows.append(
                {
                    "server": s.source,
                    "name": s.name,
                    "label": s.label,
                    "state": s.state.value,
                    "frames": s.frames,
                    "fps": round(s.fps, 1),
                    "latency_ms_p50": _ms(p50),
                    "latency_ms_p99": _ms(_percentile(latencies, 0.99)) if latencies else None,
                    "bytes": s.bytes,
                    "dropped": s.dropped,
                    "discarded": s.discarded,
                    "shared": list(s.shared),
                    "message": s.last_message,
                    "via": s.via,
                }
            )
            if summary:
                rows[-1]["fps_mean"] = round((s.frames - 1) / span, 1) if span > 0 else 0.0
        order = len(self._order)
        return sorted(rows, key=lambda r: self._order.get(r["server"], order))

    def close(self) -> None:
        pass


def streaming(statuses: Sequence[ServerStatus]) -> int:
    """How many servers are streaming."""
    return sum(1 for s in statuses if s.state is ServerState.STREAMING)
