"""What a hub has received and not yet delivered: the state its two sides share.

``Reception`` is the ``HubSink`` the hub's link hands messages to, and what the
hub's consumers take frames from. Who runs what:

- ``offer``, ``reply``, ``reject``, ``peer`` and ``tick`` run on the thread that
  drives the link (the I/O thread, or a consumer pumping), holding the driver lock;
- ``take`` and the readers (``status``, ``events``) run on the consumers' threads;
  ``take_or_watch`` and ``events_or_watch`` never wait, for a consumer on an event
  loop (``AsyncHub``): the thread driving the link calls its watcher back instead;
- everything below is guarded by ``lock``, always taken after the driver lock and
  released before pumping (see ``transport.driver``).

Where a frame waits: in ``queue`` (at most ``FlowPlan.queue_limit`` per server,
taken in turn), or, refused by a full lossless queue, held in the link with its
acknowledgement. The ``FlowControl`` decides those limits, and whether a frame is
acknowledged when queued or when taken. An H.264 frame is also handed to its
server's decoding lane as it is queued (``api.lanes``), unless the server's chain
is broken (``session.keyframes``): then it is discarded, counted, and the
acknowledgement asks for a keyframe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import Enum, auto
from functools import partial
from queue import Empty, SimpleQueue
from typing import Protocol

from ..errors import PeerTimeout, TransportError, WireError
from ..session import (
    DeliveryQueue,
    FlowControl,
    FlowPlan,
    KeyframeGate,
    Offer,
    Pace,
    Policy,
    ServerStatus,
    ServerTable,
    SessionEvent,
)
from ..transport import PeerEvent, PeerEventKind, Verdict
from ..transport.driver import SocketDriver
from ..wire import (
    Ack,
    CodecInfo,
    EndOfStream,
    FramePacket,
    Limits,
    Payload,
    ServerMessage,
    encode_client_message,
)
from .config import Lifetime, Pattern
from .decoding import DecodeAhead, Pending
from .lanes import DecodeLanes

__all__ = ["FlowLink", "NotYet", "Reception", "ReceptionConfig"]

log = logging.getLogger(__name__)

#: Longest single wait inside take(): keeps Ctrl+C responsive and re-checks the clock.
_WAIT_SLICE = 0.25
#: Session events kept for ``events()``; older ones are discarded first.
_EVENT_BACKLOG = 1024
_TERMINATION_ACK = b"Termination signal successfully received at client!"


class ReceptionConfig(Protocol):
    """What a reception reads of its owner's configuration (``HubConfig``,
    ``SubscriberConfig``)."""

    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def effective_policy(self) -> Policy: ...
    @property
    def queue_size(self) -> int: ...
    @property
    def quiet_after(self) -> float: ...
    @property
    def gone_after(self) -> float: ...
    @property
    def silent_gone_after(self) -> float: ...
    @property
    def acknowledges(self) -> bool: ...
    @property
    def end_grace(self) -> float: ...
    @property
    def lifetime(self) -> Lifetime: ...
    @property
    def idle_timeout(self) -> float | None: ...
    @property
    def pattern(self) -> Pattern: ...
    @property
    def bidirectional(self) -> bool: ...
    @property
    def multiclient(self) -> bool: ...
    @property
    def window_budget(self) -> int | None: ...
    @property
    def limits(self) -> Limits: ...


class FlowLink(Protocol):
    """What a reception asks of the link that feeds it (``HubLink``, ``SubscriberLink``)."""

    def resume(self, source: str) -> None: ...
    def release(self, source: str) -> None: ...


class NotYet(Enum):
    """What ``Reception.take_or_watch`` returns when no frame is there yet."""

    NOT_YET = auto()


class Reception:
    """The hub's queue, server table and flow control under one lock, fed by the link."""

    def __init__(
        self, config: ReceptionConfig, decoder: DecodeAhead, ack_text: str, reply: list[Payload]
    ) -> None:
        self.config = config
        # A lock for the state, and a wake-up queue for consumers waiting in take():
        # both are C primitives, where threading.Condition is Python code whose
        # notify() was the I/O thread's costliest call per frame (benchmark profile).
        self.lock = threading.RLock()
        self._wakeups: SimpleQueue[None] = SimpleQueue()
        self._sleepers = 0
        #: One-shot wake-ups of consumers that do not block in take() (``take_or_watch``).
        self._watchers: dict[Callable[[], None], None] = {}
        #: Whether a consumer is receiving on its own thread (one at a time; any
        #: other consumer sleeps until woken).
        self._receiving = False
        self._decoder = decoder
        now = time.monotonic()
        self._flow = FlowControl(
            config.effective_policy,
            config.queue_size,
            window_budget=None if reply_carries_data(config) else config.window_budget,
            replies=config.acknowledges,
            now=now,
        )
        self._queue: DeliveryQueue[Pending] = DeliveryQueue(
            config.queue_size, config.effective_policy, precious=Pending.decoding
        )
        self._queue.limit = self._flow.plan.queue_limit
        self._table = ServerTable(
            config.sources,
            quiet_after=config.quiet_after,
            gone_after=config.gone_after,
            end_grace=config.end_grace,
            gone_ends=True,
            silent_gone_after=config.silent_gone_after,
        )
        self._events: deque[SessionEvent] = deque(maxlen=_EVENT_BACKLOG)
        #: Sources whose next message the link holds (their queue was full).
        self._paused: set[str] = set()
        #: The queued frame of each source whose acknowledgement waits for its take.
        self._owed: dict[str, Pending] = {}
        self._ack_text = ack_text
        self._reply = reply
        self._advising_reply = self._advice(self._flow.plan)
        #: framehub acknowledgements (to senders that ask), by window and keyframe request.
        self._hub_acks: dict[tuple[int | None, bool], list[Payload]] = {}
        self._gate = KeyframeGate()
        self._lanes = DecodeLanes(config.limits, self._broken)
        self._error: BaseException | None = None
        self._closed = False
        self._last_activity = now
        self._driver: SocketDriver | None = None
        self._link: FlowLink | None = None

    def attach(self, driver: SocketDriver, link: FlowLink) -> None:
        """The driver and link this reception is fed by (made after it)."""
        self._driver = driver
        self._link = link

    # -- the consumers' side -------------------------------------------------------------

    def take(self, deadline: float | None) -> tuple[str, Pending] | None:
        """The next frame, waiting until ``deadline``; None once the stream is over."""
        ready = True
        with self.lock:
            while (taken := self._take_queued(ready=ready)) is NotYet.NOT_YET:
                wait = _WAIT_SLICE
                if deadline is not None:
                    now = time.monotonic()
                    if now >= deadline:
                        raise PeerTimeout("no frame arrived within the timeout")
                    wait = min(wait, deadline - now)
                self._await_frames(wait)
                ready = False
        return self._handed_over(taken)

    def take_or_watch(
        self, notify: Callable[[], None], *, ready: bool
    ) -> tuple[str, Pending] | NotYet | None:
        """Without waiting: the next frame (``ready``: the consumer did not wait for it),
        None once the stream is over, or ``NOT_YET``; then ``notify`` is called once
        (on the thread driving the link, holding the lock, so it must only hand off)
        as soon as there may be more to take: a frame, the end, a failure or close,
        or the next tick of the link's clock at the latest."""
        with self.lock:
            taken = self._take_queued(ready=ready)
            if taken is NotYet.NOT_YET:
                self._watchers[notify] = None
                return taken
        return self._handed_over(taken)

    def _take_queued(
        self, *, ready: bool
    ) -> tuple[str, Pending, Callable[[], None] | None] | NotYet | None:
        """Take the next frame if one is queued (called holding the lock), with what
        the link must then do for its server; None if the stream is over."""
        if self._error is not None:
            raise TransportError(f"the hub's I/O thread failed: {self._error}") from self._error
        if self._closed:
            return None
        taken = self._queue.take()
        if taken is not None:
            return (*taken, self._taken(*taken, ready=ready))
        if self._stream_over(time.monotonic()):
            return None
        return NotYet.NOT_YET

    def _handed_over(
        self, taken: tuple[str, Pending, Callable[[], None] | None] | None
    ) -> tuple[str, Pending] | None:
        """Called without the lock, once a frame is taken."""
        if taken is None:
            return None
        source, pending, then = taken
        if then is not None and self._driver is not None:
            # Outside the lock (the driver's lock comes first), and at once: the
            # server refills while the consumer works on this frame.
            self._driver.call(then)
        return source, pending

    def _taken(self, source: str, pending: Pending, *, ready: bool) -> Callable[[], None] | None:
        """Bookkeeping for a frame the consumer took (``ready``: without waiting for it);
        returns what the link must do now for its server, if anything."""
        self._decoder.taken(pending)
        self._flow.taken(source, time.monotonic(), ready=ready)
        if pending.packet.compression is not None and self._flow.plan.decode_ahead:
            for ahead in self._queue.ahead(self._decoder.depth):
                self._decoder.start(ahead)
        link = self._link
        if link is None:
            return None
        if source in self._paused:
            self._paused.discard(source)
            return partial(link.resume, source)
        if self._owed.get(source) is pending:
            del self._owed[source]
            return partial(link.release, source)
        return None

    def _await_frames(self, seconds: float) -> None:
        """Wait (called holding the lock) up to ``seconds`` for frames: receive them on
        this thread, or sleep until woken while another consumer does."""
        if self._receiving or self._driver is None:
            self._sleep(seconds)
            return
        self._receiving = True
        self.lock.release()
        try:
            self._driver.pump(seconds)
        finally:
            self.lock.acquire()
            self._receiving = False

    def _sleep(self, seconds: float) -> None:
        """Wait (called holding the lock) until woken or ``seconds`` pass."""
        self._sleepers += 1
        self.lock.release()
        try:
            self._wakeups.get(timeout=seconds)
        except Empty:
            pass
        finally:
            self.lock.acquire()
            self._sleepers = max(0, self._sleepers - 1)

    def _wake(self) -> None:
        """Wake every consumer waiting in take() (called holding the lock)."""
        for _ in range(self._sleepers):
            self._wakeups.put(None)
        self._sleepers = 0
        self._notify_watchers()

    def _notify_watchers(self) -> None:
        """Call, once, every watcher registered by a consumer that does not block
        (called holding the lock)."""
        if self._watchers:
            for notify in self._watchers:
                notify()
            self._watchers.clear()

    def _stream_over(self, now: float) -> bool:
        if self.config.lifetime is Lifetime.STREAM and self._table.finished(now):
            return True
        idle = self.config.idle_timeout
        return idle is not None and now - self._last_activity >= idle

    def set_reply(self, reply: list[Payload]) -> None:
        with self.lock:
            self._reply = reply

    def status(self) -> tuple[ServerStatus, ...]:
        with self.lock:
            gate = self._gate
            return tuple(
                replace(
                    status,
                    awaiting_keyframe=gate.awaiting(status.source),
                    discarded=gate.discarded(status.source),
                )
                if status.source in gate
                else status
                for status in self._table.snapshot(time.monotonic())
            )

    def events(self) -> list[SessionEvent]:
        with self.lock:
            events = list(self._events)
            self._events.clear()
            return events

    def events_or_watch(self, notify: Callable[[], None]) -> list[SessionEvent] | None:
        """Without waiting: the events since the last call; if there are none, ``notify``
        is called once (as in ``take_or_watch``) when there may be. None once the
        stream is over or the reception closed, and every event was taken."""
        with self.lock:
            events = list(self._events)
            self._events.clear()
            if events:
                return events
            if self._closed or self._error is not None or self._stream_over(time.monotonic()):
                return None
            self._watchers[notify] = None
            return events

    @property
    def rejected(self) -> int:
        with self.lock:
            return self._table.rejected_total()

    @property
    def pace(self) -> Pace:
        with self.lock:
            return self._flow.plan.pace

    def close(self) -> None:
        """No more frames: every consumer waiting returns None."""
        with self.lock:
            self._closed = True
            self._lanes.close()
            self._wake()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the sockets' side (HubSink): on the thread that drives the link -------------------

    def offer(self, source: str, message: ServerMessage, now: float) -> Verdict:
        with self.lock:
            self._last_activity = now
            if isinstance(message, EndOfStream):
                self._record(self._table.ended(source, now))
                self._flow.forget(source)
                log.debug("server on port %s ended its stream", source)
                self._wake()
                return Verdict.REPLY
            if not isinstance(message, FramePacket):
                return Verdict.REPLY
            return self._offer_frame(source, message, now)

    def _offer_frame(self, source: str, message: FramePacket, now: float) -> Verdict:
        codec = message.codec
        if codec is not None and not self._decodable(source, message.sender, codec):
            self._seen(source, message, now)
            return Verdict.REPLY
        pending = Pending(message, time.time())
        nbytes = len(message.payload)
        waiting = self._queue.count(source) > 0
        outcome, dropped = self._queue.offer(source, pending)
        # A refused frame counts as waiting too: it found its server's queue busy.
        self._flow.offered(
            source,
            waiting=waiting or outcome is Offer.FULL,
            nbytes=nbytes,
            now=now,
            first=len(self._queue) <= 1 and outcome is not Offer.FULL,
        )
        if outcome is Offer.FULL:
            self._paused.add(source)
            return Verdict.HOLD
        if codec is not None:
            self._lanes.submit(source, pending)
        self._dropped(source, dropped)
        plan = self._flow.plan
        if plan.decode_ahead and not (self._receiving and len(self._queue) == 1):
            # Decode ahead only what waits behind another frame: a consumer that
            # is receiving takes this one next, and decodes it sooner itself
            # than by waiting for a worker.
            self._decoder.start(pending)
        self._seen(source, message, now)
        self._wake()
        if plan.credit:
            self._owed[source] = pending
            return Verdict.DEFER
        return Verdict.REPLY

    def _seen(self, source: str, message: FramePacket, now: float) -> None:
        """Count a frame that arrived, whether queued or discarded."""
        self._record(
            self._table.frame(
                source,
                now,
                nbytes=len(message.payload),
                seq=message.seq,
                latency=None if message.sent_at is None else time.time() - message.sent_at,
                message=message.message,
                name=message.name,
                sender=message.sender,
                via=message.via,
            )
        )

    def _decodable(self, source: str, sender: str | None, codec: CodecInfo) -> bool:
        """Whether an H.264 frame can go to its server's lane (else it is discarded)."""
        if self._lanes.ready(source):
            return self._gate.offer(source, sender, codec)
        self._gate.refuse(source, sender, codec)
        return False

    def _broken(self, source: str) -> None:
        """A lane's decoder failed on a frame of ``source`` (called on the lane's thread)."""
        with self.lock:
            self._gate.broken(source)

    def _dropped(self, source: str, dropped: Sequence[Pending]) -> None:
        for pending in dropped:
            self._decoder.dropped(pending)
            self._table.dropped(source)

    def reply(self, source: str, message: ServerMessage, now: float) -> Sequence[Payload]:
        if isinstance(message, EndOfStream):
            return [_TERMINATION_ACK]
        with self.lock:
            self._flow.acknowledged(source, now)
            if isinstance(message, FramePacket) and message.wants_hub_ack:
                keyframe = message.codec is not None and self._gate.wants_keyframe(source, now)
                return self._hub_ack(self._flow.plan.window, keyframe)
            # Advice goes to framehub senders only (they number their frames): vidgear's
            # get vidgear's acknowledgement, byte for byte.
            if self._flow.plan.window is not None and message.seq is not None:
                return self._advising_reply
            return self._reply

    def _hub_ack(self, window: int | None, keyframe: bool) -> list[Payload]:
        """The acknowledgement that says this hub is framehub (to a sender that asked)."""
        ack = self._hub_acks.get((window, keyframe))
        if ack is None:
            message = Ack(self._ack_text, window=window, hub=True, keyframe=keyframe)
            ack = self._hub_acks[(window, keyframe)] = encode_client_message(message)
        return ack

    def reject(self, source: str, error: WireError) -> None:
        with self.lock:
            count = self._table.rejected(source)
        if count == 1:
            log.warning(
                "dropped a bad message on port %s: %s (further ones there are counted, "
                "see Hub.status())",
                source,
                error,
            )
        else:
            log.debug("dropped bad message #%d on port %s: %s", count, source, error)

    def peer(self, source: str, event: PeerEvent, now: float) -> None:
        if event.kind in (PeerEventKind.REFUSED, PeerEventKind.DENIED):
            what = (
                "was refused by authentication"
                if event.kind is PeerEventKind.DENIED
                else "broke the ZeroMQ handshake"
            )
            self.reject(source, WireError(f"a peer {what}"))
            return
        with self.lock:
            if event.kind is PeerEventKind.ABORTED:
                self._table.aborted(source)
            elif event.kind is PeerEventKind.OPENED:
                self._table.opened(source, event.connection)
            elif event.kind is PeerEventKind.CLOSED:
                self._table.closed(source, event.connection, now)

    def tick(self, now: float) -> None:
        with self.lock:
            self._record(self._table.tick(now))
            changed = self._flow.tick(
                now, streaming=self._table.streaming(), queued=len(self._queue)
            )
            sources = self._apply(self._flow.plan) if changed else []
            if self._stream_over(now):
                self._wake()
            # The clock bounds every wait of a consumer that does not block: it looks
            # again at least once a tick, whatever else happens.
            self._notify_watchers()
        link = self._link
        for source in sources:  # this thread drives the link: no need to post
            if link is not None:
                link.release(source)
                link.resume(source)

    def _apply(self, plan: FlowPlan) -> list[str]:
        """Carry out a new plan (called holding the lock); returns the servers the link
        must let go on now: their acknowledgement was deferred and credit is over, or
        their frame was held and their queue has room under the new limit."""
        log.debug(
            "the consumer is %s: %d frame(s) a server, window %s, credit %s",
            plan.pace,
            plan.queue_limit,
            plan.window or "unlimited",
            plan.credit,
        )
        self._queue.limit = plan.queue_limit
        for source, pending in self._queue.trim():
            self._dropped(source, [pending])
        self._advising_reply = self._advice(plan)
        freed = [s for s in self._paused if self._queue.count(s) < self._queue.limit]
        self._paused.difference_update(freed)
        if not plan.credit:
            freed += self._owed
            self._owed.clear()
        return freed

    def _advice(self, plan: FlowPlan) -> list[Payload]:
        """The acknowledgement that asks framehub senders for the plan's window."""
        if plan.window is None:
            return self._reply
        return encode_client_message(Ack(self._ack_text, window=plan.window))

    def crashed(self, error: BaseException) -> None:
        with self.lock:
            self._error = error
            self._wake()

    def _record(self, events: list[SessionEvent]) -> None:
        for event in events:
            log.log(event.level, "%s", event)
        if events:
            self._events.extend(events)
            self._notify_watchers()


def reply_carries_data(config: ReceptionConfig) -> bool:
    """Whether every acknowledgement carries the caller's data (then it never carries
    advice: bidirectional senders keep one frame in flight anyway). A Multi-Clients
    client always answers with data and its port, as vidgear's does."""
    return config.bidirectional or config.multiclient
