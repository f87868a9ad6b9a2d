"""Who is streaming, who went quiet, who is gone: plain bookkeeping fed events and times.

Nothing here touches a socket, a thread or the clock: every method takes ``now``
(a ``time.monotonic()`` reading) so that the rules can be tested by feeding times.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ..wire import JSONValue

__all__ = ["EventKind", "ServerState", "ServerStatus", "ServerTable", "SessionEvent"]

#: Arrival times kept per server for the frames/s estimate.
_RATE_WINDOW = 2.0


class ServerState(StrEnum):
    """Where one server stands, as seen by the hub."""

    #: Frames arrived recently.
    STREAMING = "streaming"
    #: Still connected as far as we know, but no frame for ``quiet_after`` seconds.
    QUIET = "quiet"
    #: No frame for ``gone_after`` seconds, or its connection dropped: presumed dead.
    GONE = "gone"
    #: It said goodbye (the NetGear termination message).
    ENDED = "ended"


class EventKind(StrEnum):
    """Changes of state the caller may react to."""

    JOINED = "joined"
    QUIET = "quiet"
    GONE = "gone"
    RETURNED = "returned"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class SessionEvent:
    kind: EventKind
    source: str
    at: float


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """A snapshot of one server's counters. Times are seconds on the monotonic clock."""

    source: str
    state: ServerState
    first_seen: float
    last_seen: float
    frames: int
    bytes: int
    fps: float
    dropped: int
    rejected: int
    latency: float | None
    last_message: JSONValue


@dataclass(slots=True)
class _Record:
    source: str
    state: ServerState
    first_seen: float
    last_seen: float
    frames: int = 0
    bytes: int = 0
    dropped: int = 0
    latency: float | None = None
    last_message: JSONValue = None
    last_seq: int | None = None
    arrivals: deque[float] = field(default_factory=deque)

    def fps(self, now: float) -> float:
        arrivals = self.arrivals
        while arrivals and now - arrivals[0] > _RATE_WINDOW:
            arrivals.popleft()
        if not arrivals:
            return 0.0
        span = min(_RATE_WINDOW, now - self.first_seen)
        return len(arrivals) / span if span > 0 else 0.0


class ServerTable:
    """The hub's view of its servers.

    ``expected`` are the sources (ports) the hub listens for. The stream is finished
    when every server seen so far has ended (or is gone, when ``gone_ends`` is set) and
    either every expected source has been seen or ``end_grace`` seconds have passed
    since the last one ended: a server that is slow to start is not cut off by a fast
    one that is already done, yet a listed port that never gets a server does not
    keep the hub open forever.
    """

    def __init__(
        self,
        expected: Iterable[str],
        *,
        quiet_after: float = 1.0,
        gone_after: float = 3.0,
        end_grace: float = 1.0,
        gone_ends: bool = False,
    ) -> None:
        self.expected = tuple(expected)
        self.quiet_after = quiet_after
        self.gone_after = gone_after
        self.end_grace = end_grace
        self.gone_ends = gone_ends
        self._records: dict[str, _Record] = {}
        self._rejected: Counter[str] = Counter()
        self._last_end: float | None = None

    def _touch(self, source: str, now: float) -> tuple[_Record, list[SessionEvent]]:
        record = self._records.get(source)
        if record is None:
            record = _Record(source, ServerState.STREAMING, first_seen=now, last_seen=now)
            self._records[source] = record
            return record, [SessionEvent(EventKind.JOINED, source, now)]
        events = []
        if record.state is not ServerState.STREAMING:
            events.append(SessionEvent(EventKind.RETURNED, source, now))
            record.state = ServerState.STREAMING
        record.last_seen = now
        return record, events

    def frame(
        self,
        source: str,
        now: float,
        *,
        nbytes: int,
        seq: int | None = None,
        latency: float | None = None,
        message: JSONValue = None,
    ) -> list[SessionEvent]:
        """A frame from ``source`` was accepted."""
        record, events = self._touch(source, now)
        record.frames += 1
        record.bytes += nbytes
        record.arrivals.append(now)
        record.last_message = message
        if latency is not None:
            record.latency = latency
        if seq is not None:
            # A sequence number that goes backwards means the sender restarted.
            if record.last_seq is not None and seq > record.last_seq + 1:
                record.dropped += seq - record.last_seq - 1
            record.last_seq = seq
        return events

    def ended(self, source: str, now: float) -> list[SessionEvent]:
        """``source`` said goodbye."""
        record, events = self._touch(source, now)
        record.state = ServerState.ENDED
        record.last_seq = None
        self._last_end = now
        return [*events, SessionEvent(EventKind.ENDED, source, now)]

    def disconnected(self, source: str, now: float) -> list[SessionEvent]:
        """The transport saw ``source``'s connection drop without a goodbye."""
        record = self._records.get(source)
        if record is None or record.state in (ServerState.ENDED, ServerState.GONE):
            return []
        return self._go(record, now)

    def _go(self, record: _Record, now: float) -> list[SessionEvent]:
        record.state = ServerState.GONE
        record.last_seq = None
        self._last_end = now
        return [SessionEvent(EventKind.GONE, record.source, now)]

    def dropped(self, source: str, count: int = 1) -> None:
        """``count`` frames from ``source`` were accepted but discarded by policy."""
        record = self._records.get(source)
        if record is not None:
            record.dropped += count

    def rejected(self, source: str) -> int:
        """A bad message arrived on ``source``; returns how many so far.

        Garbage alone does not make a server "seen": it is counted apart from the records.
        """
        self._rejected[source] += 1
        return self._rejected[source]

    def tick(self, now: float) -> list[SessionEvent]:
        """Advance the clock: servers without frames turn quiet, then gone."""
        events: list[SessionEvent] = []
        for record in self._records.values():
            silent = now - record.last_seen
            if record.state is ServerState.STREAMING and silent >= self.quiet_after:
                record.state = ServerState.QUIET
                events.append(SessionEvent(EventKind.QUIET, record.source, now))
            if record.state is ServerState.QUIET and silent >= self.gone_after:
                events.extend(self._go(record, now))
        return events

    def finished(self, now: float) -> bool:
        """True once the stream is over (see the class docstring)."""
        seen = self._records.values()
        if not seen:
            return False
        done = {ServerState.ENDED, ServerState.GONE} if self.gone_ends else {ServerState.ENDED}
        if any(r.state not in done for r in seen):
            return False
        if {r.source for r in seen} >= set(self.expected):
            return True
        return self._last_end is not None and now - self._last_end >= self.end_grace

    def next_deadline(self, now: float) -> float | None:
        """When ``finished`` may next change by the clock alone, if it can."""
        if self._last_end is None or self.finished(now):
            return None
        return self._last_end + self.end_grace

    def snapshot(self, now: float) -> tuple[ServerStatus, ...]:
        """Every server seen, in the order they first appeared."""
        return tuple(
            ServerStatus(
                source=r.source,
                state=r.state,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
                frames=r.frames,
                bytes=r.bytes,
                fps=r.fps(now),
                dropped=r.dropped,
                rejected=self._rejected[r.source],
                latency=r.latency,
                last_message=r.last_message,
            )
            for r in self._records.values()
        )

    def rejected_total(self) -> int:
        """Bad messages on every port, from servers seen or not."""
        return sum(self._rejected.values())
