"""The terminal table of servers: live while a hub runs, and as the closing summary."""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any, TextIO

from ..api import Frame, ServerState, ServerStatus

__all__ = ["LiveTable", "format_table", "streaming"]

#: Latencies kept per server for the percentiles: ten seconds at 30 frames/s.
_LATENCY_WINDOW = 300
#: Seconds between tables when the output is not a terminal (a log, a pipe).
_LOG_INTERVAL = 10.0
_HEADER = f"{'server':>8} {'state':>9} {'fps':>6} {'p50 ms':>7} {'drops':>6} {'frames':>7}  message"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 2)


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = [_HEADER]
    for r in rows:
        p50 = "-" if r["latency_ms_p50"] is None else f"{r['latency_ms_p50']:.1f}"
        message = "" if r["message"] is None else str(r["message"])
        lines.append(
            f"{r['server']:>8} {r['state']:>9} {r['fps']:>6.1f} {p50:>7} {r['dropped']:>6} "
            f"{r['frames']:>7}  {message[:40]}"
        )
    return "\n".join(lines)


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

    def rows(self, statuses: tuple[ServerStatus, ...] | None = None) -> list[dict[str, Any]]:
        rows = []
        chosen = self._statuses if statuses is None else statuses
        for s in sorted(chosen, key=lambda s: self._order.get(s.source, len(self._order))):
            latencies = list(self._latencies[s.source])
            rows.append(
                {
                    "server": s.source,
                    "state": s.state.value,
                    "frames": s.frames,
                    "fps": round(s.fps, 1),
                    "latency_ms_p50": _ms(statistics.median(latencies)) if latencies else None,
                    "latency_ms_p99": _ms(_percentile(latencies, 0.99)) if latencies else None,
                    "dropped": s.dropped,
                    "message": s.last_message,
                }
            )
        return rows

    def close(self) -> None:
        pass


def streaming(statuses: Sequence[ServerStatus]) -> int:
    """How many servers are streaming."""
    return sum(1 for s in statuses if s.state is ServerState.STREAMING)
