"""Who is streaming, who went quiet, who is gone: plain bookkeeping fed events and times.

Nothing here touches a socket, a thread or the clock: every method takes ``now``
(a ``time.monotonic()`` reading) so that the rules can be tested by feeding times.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ..wire import JSONValue

__all__ = [
    "EventKind",
    "ServerState",
    "ServerStatus",
    "ServerTable",
    "SessionEvent",
    "server_label",
]

#: The frames/s estimate looks at arrivals in the last this many seconds...
_RATE_WINDOW = 2.0
#: ...but keeps at most this many: memory stays bounded however long nobody asks for
#: the rate, and a few milliseconds of a fast stream still measure it well.
_RATE_SAMPLES = 128
#: The latency shown everywhere (status, table, viewer) is the median over this many
#: seconds: the last frame's alone jumps with every scheduling hiccup.
LATENCY_WINDOW = 5.0
#: Two framehub senders on one port count as sharing it while both sent a frame
#: within this many seconds; long enough that two slow cameras (a frame every few
#: seconds) are not warned about over and over.
_SHARED_WINDOW = 10.0


class ServerState(StrEnum):
    """Where one server stands, as seen by the hub."""

    #: Frames arrived recently.
    STREAMING = "streaming"
    #: Still connected, but no frame for ``quiet_after`` seconds.
    QUIET = "quiet"
    #: Every connection on its port closed ``gone_after`` seconds ago without a goodbye
    #: (an imagezmq sender, which shares its port: no frame for ``silent_gone_after``).
    GONE = "gone"
    #: It said goodbye (the NetGear termination message).
    ENDED = "ended"


_LIVE = (ServerState.STREAMING, ServerState.QUIET)


class EventKind(StrEnum):
    """Changes of state the caller may react to."""

    JOINED = "joined"
    QUIET = "quiet"
    GONE = "gone"
    RETURNED = "returned"
    ENDED = "ended"
    #: A second framehub sender streams to a port another one streams to: a
    #: misconfiguration (each server needs a port of its own).
    SHARED = "shared"


def server_label(source: str, name: str | None) -> str:
    """How a server is shown: ``door (5566)`` when it gave its name, else ``5566``
    (and an imagezmq sender, whose name is its id, by its name alone)."""
    return source if not name or name == source else f"{name} ({source})"


@dataclass(frozen=True, slots=True)
class SessionEvent:
    kind: EventKind
    source: str
    at: float
    #: What a person needs to know beyond the kind (for SHARED: the two senders).
    detail: str = ""

    @property
    def level(self) -> int:
        """The logging level this event deserves: a warning for a misconfiguration."""
        return logging.WARNING if self.kind is EventKind.SHARED else logging.INFO

    def __str__(self) -> str:
        return self.detail or f"server {self.source} {self.kind.value}"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """A snapshot of one server's counters. Times are seconds on the monotonic clock.

    ``dropped``: frames lost on the way (gaps in a framehub sender's numbering) or
    discarded by the "latest" policy. ``rejected``: invalid messages and broken
    handshakes on its port. ``aborted``: connections to its port that closed before
    completing their handshake (impatient peers, or bytes that were not ZeroMQ).
    ``latency``: the last frame's, from its sender's time stamp (framehub senders);
    ``latency_p50``: the median over the last ``LATENCY_WINDOW`` seconds, the figure
    the command line and the viewer show. ``fps`` is 0 once a server ended or is gone.
    ``name``: the name the server gave (framehub senders), or None. ``shared``: empty,
    unless more than one framehub sender is streaming to this port (a
    misconfiguration); then their ids, in the order they were first seen.
    ``via``: None for a NetGear server, whose port is its own; for an imagezmq sender,
    whose identity (``source``, and ``name``) is the name it sends, the hub port
    (REQ/REP) or sender address (PUB/SUB) it streams through, which other imagezmq
    senders may share.
    ``awaiting_keyframe``: the server sends H.264 and the hub discards its frames
    until the next keyframe (see ``session.keyframes``); ``discarded``: its H.264
    frames discarded so, in all (not counted in ``dropped``).
    """

    source: str
    state: ServerState
    first_seen: float
    last_seen: float
    frames: int
    bytes: int
    fps: float
    dropped: int
    rejected: int
    aborted: int
    latency: float | None
    last_message: JSONValue
    name: str | None = None
    shared: tuple[str, ...] = ()
    latency_p50: float | None = None
    via: str | None = None
    awaiting_keyframe: bool = False
    discarded: int = 0

    @property
    def label(self) -> str:
        """``door (5566)``, or ``5566`` for a server that gave no name."""
        return server_label(self.source, self.name)


@dataclass(slots=True)
class _Sender:
    """One sender seen on a port, by its id (framehub senders) or "" (any other)."""

    last_seen: float
    last_seq: int | None = None
    name: str | None = None


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
    name: str | None = None
    #: An imagezmq sender's port or address, shared with others (see ``ServerStatus``).
    via: str | None = None
    #: Who sent on this port lately, by sender id, and who sent the last frame.
    senders: dict[str, _Sender] = field(default_factory=dict)
    current: str | None = None
    #: Whether a SHARED event was given for the senders now sharing the port.
    shared: bool = False
    arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=_RATE_SAMPLES))
    latencies: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=_RATE_SAMPLES)
    )

    def latency_p50(self, now: float) -> float | None:
        latencies = self.latencies
        while latencies and now - latencies[0][0] > LATENCY_WINDOW:
            latencies.popleft()
        if not latencies:
            return None
        ordered = sorted(latency for _, latency in latencies)
        return ordered[len(ordered) // 2]

    def fps(self, now: float) -> float:
        arrivals = self.arrivals
        while arrivals and now - arrivals[0] > _RATE_WINDOW:
            arrivals.popleft()
        span = now - arrivals[0] if arrivals else 0.0
        return (len(arrivals) - 1) / span if len(arrivals) > 1 and span > 0 else 0.0

    def sharing(self, now: float) -> tuple[str, ...]:
        """The framehub senders that sent within ``_SHARED_WINDOW``, once they were
        found sharing the port; the port is no longer shared when one is left.

        Senders silent for longer are forgotten (a restarted server leaves its old
        id behind), except the last one to send: its numbering goes on.
        """
        for key, sender in list(self.senders.items()):
            if now - sender.last_seen > _SHARED_WINDOW and key != self.current:
                del self.senders[key]
        if not self.shared:
            return ()
        active = tuple(key for key in self.senders if key)
        if len(active) < 2:
            self.shared = False
            return ()
        return active

    def forget_sequences(self) -> None:
        """Its senders' numbering starts over (it ended, or is gone)."""
        for sender in self.senders.values():
            sender.last_seq = None

    def count_sequence(self, sender: _Sender, seq: int) -> None:
        """Frames lost between this sender's previous frame and this one (a number
        that goes backwards means the sender restarted)."""
        if sender.last_seq is not None and seq > sender.last_seq + 1:
            self.dropped += seq - sender.last_seq - 1
        sender.last_seq = seq


class ServerTable:
    """The hub's view of its servers.

    ``expected`` are the sources (ports) the hub listens for. A server is seen once
    a frame of it arrived. It turns quiet after ``quiet_after`` seconds without
    frames, and gone once every connection on its port has been closed for
    ``gone_after`` seconds (a reconnecting server is not gone; a killed one is, its
    kernel closes the connection; a silent network is caught by the transport's
    heartbeat, which closes it). A sender that shares its port (imagezmq's, known
    by the name it sends) has no connection of its own to watch and no goodbye to
    send: it is gone after ``silent_gone_after`` seconds without a frame.

    The stream is finished when every server seen so far has ended (or is gone,
    when ``gone_ends`` is set) and either every expected source has been seen or
    ``end_grace`` seconds have passed since the last one ended: a server that is
    slow to start is not cut off by a fast one that is already done, yet a listed
    port that never gets a server does not keep the hub open forever.
    """

    def __init__(
        self,
        expected: Iterable[str],
        *,
        quiet_after: float = 1.0,
        gone_after: float = 1.0,
        end_grace: float = 1.0,
        gone_ends: bool = False,
        silent_gone_after: float = 5.0,
    ) -> None:
        self.expected = tuple(expected)
        self.quiet_after = quiet_after
        self.gone_after = gone_after
        self.end_grace = end_grace
        self.gone_ends = gone_ends
        self.silent_gone_after = silent_gone_after
        self._records: dict[str, _Record] = {}
        self._rejected: Counter[str] = Counter()
        self._aborted: Counter[str] = Counter()
        self._open: dict[str, set[int]] = {}
        self._lost_at: dict[str, float] = {}
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
        name: str | None = None,
        sender: str | None = None,
        via: str | None = None,
    ) -> list[SessionEvent]:
        """A frame from ``source`` was accepted.

        ``name`` and ``sender`` come from framehub senders: the server's name, and an
        id of the sending process. Frames are numbered per sender, so two senders on
        one port (a misconfiguration, reported once as a SHARED event) do not count
        each other's frames as lost. ``via``: an imagezmq sender's shared port or address.
        """
        record, events = self._touch(source, now)
        record.frames += 1
        record.bytes += nbytes
        record.arrivals.append(now)
        record.last_message = message
        record.name = name
        record.via = via
        if latency is not None:
            record.latency = latency
            record.latencies.append((now, latency))
        key = sender or ""
        known = record.senders.get(key)
        # A new sender is a second one, or the same server restarted: only a sender
        # heard from again after another one tells them apart.
        again = known is not None and key != "" and record.current not in (None, key)
        if known is None:
            known = record.senders[key] = _Sender(now)
        known.last_seen = now
        known.name = name
        record.current = key
        if seq is not None:
            record.count_sequence(known, seq)
        if again:
            events.extend(self._shared(record, now))
        return events

    def _shared(self, record: _Record, now: float) -> list[SessionEvent]:
        if record.shared:
            return []
        record.shared = True
        senders = record.sharing(now)
        if len(senders) < 2:
            return []

        def who(key: str) -> str:
            name = record.senders[key].name
            return key if name is None else f"{key} ({name!r})"

        listed = " and ".join(who(key) for key in senders)
        detail = (
            f"{len(senders)} servers are streaming to port {record.source} at once: {listed}; "
            "give each server a port of its own"
        )
        return [SessionEvent(EventKind.SHARED, record.source, now, detail)]

    def ended(self, source: str, now: float) -> list[SessionEvent]:
        """``source`` said goodbye."""
        record, events = self._touch(source, now)
        record.state = ServerState.ENDED
        record.forget_sequences()
        self._last_end = now
        return [*events, SessionEvent(EventKind.ENDED, source, now)]

    def opened(self, source: str, connection: int) -> None:
        """A connection to ``source``'s port opened (a server, or anyone else)."""
        self._open.setdefault(source, set()).add(connection)
        self._lost_at.pop(source, None)

    def closed(self, source: str, connection: int, now: float) -> None:
        """A connection to ``source``'s port closed; the last one starts the gone clock."""
        connections = self._open.setdefault(source, set())
        connections.discard(connection)
        if not connections:
            self._lost_at[source] = now

    def _go(self, record: _Record, now: float) -> list[SessionEvent]:
        record.state = ServerState.GONE
        record.forget_sequences()
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

    def aborted(self, source: str) -> None:
        """A connection to ``source``'s port closed before its handshake completed."""
        self._aborted[source] += 1

    def tick(self, now: float) -> list[SessionEvent]:
        """Advance the clock: servers without frames turn quiet; without a connection, gone."""
        events: list[SessionEvent] = []
        for record in self._records.values():
            record.sharing(now)
            if record.state is ServerState.STREAMING and now - record.last_seen >= self.quiet_after:
                record.state = ServerState.QUIET
                events.append(SessionEvent(EventKind.QUIET, record.source, now))
            if record.state in _LIVE and self._lost(record, now):
                events.extend(self._go(record, now))
        return events

    def _lost(self, record: _Record, now: float) -> bool:
        """Whether a live server is gone: its port's connections all closed (a shared
        port's senders: it fell silent) long enough ago."""
        if record.via is not None:
            return now - record.last_seen >= self.silent_gone_after
        lost_at = self._lost_at.get(record.source)
        return lost_at is not None and now - max(lost_at, record.last_seen) >= self.gone_after

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
                fps=r.fps(now) if r.state in _LIVE else 0.0,
                dropped=r.dropped,
                rejected=self._rejected[r.source],
                aborted=self._aborted[r.source],
                latency=r.latency,
                last_message=r.last_message,
                name=r.name,
                shared=r.sharing(now),
                latency_p50=r.latency_p50(now),
                via=r.via,
            )
            for r in self._records.values()
        )

    def streaming(self) -> int:
        """How many servers are streaming (a frame arrived within ``quiet_after``)."""
        return sum(r.state is ServerState.STREAMING for r in self._records.values())

    def rejected_total(self) -> int:
        """Bad messages on every port, from servers seen or not."""
        return sum(self._rejected.values())
