"""The receiving end: a hub that many servers stream into."""

from __future__ import annotations

import logging
import secrets
import string
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from queue import Empty, SimpleQueue
from typing import Any

import numpy as np

from ..checks import Closing
from ..codecs import FrameEncoder, JpegEncoder, RawEncoder
from ..errors import ConfigError, PeerTimeout, TransportError, WireError
from ..session import (
    BEHIND_QUEUE,
    DeliveryQueue,
    Offer,
    ServerStatus,
    ServerTable,
    SessionEvent,
    consumer_behind,
    window_advice,
)
from ..transport import (
    Context,
    HubLink,
    HubLinkSpec,
    PeerEvent,
    PeerEventKind,
    default_context,
)
from ..wire import (
    Ack,
    ArrayReply,
    ClientMessage,
    DataReply,
    EndOfStream,
    FramePacket,
    JSONValue,
    Payload,
    ServerMessage,
    encode_client_message,
)
from .config import HubConfig, Lifetime
from .decoding import DecodeAhead, Pending
from .frame import Frame
from .secure import hub_security

__all__ = ["Hub"]

log = logging.getLogger(__name__)

#: Longest single wait inside recv(): keeps Ctrl+C responsive and re-checks the clock.
_WAIT_SLICE = 0.25
#: Session events kept for ``events()``; older ones are discarded first.
_EVENT_BACKLOG = 1024
_TERMINATION_ACK = b"Termination signal successfully received at client!"


def _encoder(config: HubConfig) -> FrameEncoder:
    if config.jpeg is None:
        return RawEncoder()
    jpeg = config.jpeg
    return JpegEncoder(jpeg.quality, jpeg.colorspace, jpeg.fastdct, jpeg.fastupsample)


class Hub(Closing):
    """Binds one socket per port and delivers frames from every server, in arrival order.

    Iterate it, or call ``recv()``; both end when the stream is over: every server
    seen has said goodbye (see ``ServerTable`` for the exact rule) or ``close()``
    was called. A caller waiting in ``recv()`` receives on its own thread; while it
    is busy elsewhere the hub's I/O thread takes over the sockets (see
    ``transport.hub_link``). A frame is acknowledged (patterns 0/1) only once it is
    queued here, so an acknowledged frame is never lost.
    """

    def __init__(self, config: HubConfig, *, context: Context[Any] | None = None) -> None:
        self.config = config
        self.id = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        # A lock for the state, and a wake-up queue for a consumer waiting in recv():
        # both are C primitives, where threading.Condition is Python code whose
        # notify() was the I/O thread's costliest call per frame (benchmark profile).
        self._lock = threading.RLock()
        self._wakeups: SimpleQueue[None] = SimpleQueue()
        self._sleepers = 0
        #: Whether a consumer is receiving on its own thread (one at a time; any
        #: other consumer sleeps until woken).
        self._receiving = False
        self._queue: DeliveryQueue[Pending] = DeliveryQueue(
            config.queue_size, config.effective_policy, precious=Pending.decoding
        )
        self._table = ServerTable(
            config.sources,
            quiet_after=config.quiet_after,
            gone_after=config.gone_after,
            end_grace=config.end_grace,
            gone_ends=True,
        )
        self._events: deque[SessionEvent] = deque(maxlen=_EVENT_BACKLOG)
        self._paused: set[str] = set()
        self._encoder = _encoder(config)
        self._decoder = DecodeAhead(
            config.decode_workers if config.decode else 0,
            fastdct=config.fastdct,
            fastupsample=config.fastupsample,
            limits=config.limits,
        )
        # A Multi-Clients client always answers with data and its port, as vidgear's does.
        self._answers_data = config.bidirectional or config.multiclient
        self._reply: list[Payload] = encode_client_message(
            self._reply_message(None) if self._answers_data else self._ack()
        )
        # The frames in flight framehub senders are asked for (session.window), from
        # the bytes taken in since the last tick and the frames offered, and how many
        # of those found an earlier frame of their server still queued; None: no
        # limit, vidgear's ack.
        self._advice: int | None = None
        self._advising_reply = self._reply
        self._tick_bytes = self._tick_offers = self._tick_behind = 0
        self._tick_at = time.monotonic()
        self._behind = False
        self._error: BaseException | None = None
        self._closed = False
        self._last_activity = time.monotonic()
        curve, access = hub_security(config.security)
        spec = HubLinkSpec(
            protocol=config.protocol,
            address=config.address,
            ports=config.sources,
            pattern=config.pattern,
            multiserver=config.multiserver,
            limits=config.limits,
            retain_frame_memory=config.retain_frame_memory,
            curve=curve,
            access=access,
        )
        self._link = HubLink(spec, self, context or default_context())
        log.debug("hub %s bound %s on %s", self.id, config.sources, config.address)

    # -- the caller's side ----------------------------------------------------------

    def recv(self, timeout: float | None = None) -> Frame | None:
        """The next frame; None once the stream is over or the hub is closed.

        Blocks up to ``timeout`` seconds (forever if None), then raises ``PeerTimeout``.
        A failure of the I/O thread is raised here.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            taken = self._take(deadline)
            if taken is None:
                return None
            source, pending = taken
            frame = Frame(source, pending, self._decoder)
            if self.config.decode:
                try:
                    frame.image  # noqa: B018 - decode now, so corrupt frames are dropped here
                except WireError as exc:
                    self.reject(source, exc)
                    continue
            return frame

    def _take(self, deadline: float | None) -> tuple[str, Pending] | None:
        resume = None
        with self._lock:
            while True:
                if self._error is not None:
                    raise TransportError(f"the hub's I/O thread failed: {self._error}") from (
                        self._error
                    )
                if self._closed:
                    return None
                taken = self._queue.take()
                if taken is not None:
                    self._decoder.taken(taken[1])
                    if taken[1].packet.compression is not None:
                        self._decode_ahead()
                    if taken[0] in self._paused:
                        self._paused.discard(taken[0])
                        resume = taken[0]
                    break
                now = time.monotonic()
                if self._stream_over(now):
                    return None
                wait = _WAIT_SLICE
                if deadline is not None:
                    if now >= deadline:
                        raise PeerTimeout("no frame arrived within the timeout")
                    wait = min(wait, deadline - now)
                self._await_frames(wait)
        if resume is not None:
            self._link.resume(resume)
        return taken

    def _await_frames(self, seconds: float) -> None:
        """Wait (called holding the lock) up to ``seconds`` for frames: receive them on
        this thread, or sleep until woken while another consumer does."""
        if self._receiving:
            self._sleep(seconds)
            return
        self._receiving = True
        self._lock.release()
        try:
            self._link.pump(seconds)
        finally:
            self._lock.acquire()
            self._receiving = False

    def _sleep(self, seconds: float) -> None:
        """Wait (called holding the lock) until woken or ``seconds`` pass."""
        self._sleepers += 1
        self._lock.release()
        try:
            self._wakeups.get(timeout=seconds)
        except Empty:
            pass
        finally:
            self._lock.acquire()
            self._sleepers = max(0, self._sleepers - 1)

    def _wake(self) -> None:
        """Wake every consumer waiting in recv() (called holding the lock)."""
        for _ in range(self._sleepers):
            self._wakeups.put(None)
        self._sleepers = 0

    def _decode_ahead(self) -> None:
        for pending in self._queue.ahead(self._decoder.depth):
            self._decoder.start(pending)

    def _stream_over(self, now: float) -> bool:
        if self.config.lifetime is Lifetime.STREAM and self._table.finished(now):
            return True
        idle = self.config.idle_timeout
        return idle is not None and now - self._last_activity >= idle

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.recv()) is not None:
            yield frame

    def set_reply(self, data: JSONValue | np.ndarray[Any, Any]) -> None:
        """Bidirectional mode: the data sent back with every acknowledgement from now on.

        Any JSON value, or an ndarray (compressed like frames when ``jpeg`` is set).
        """
        if not self._answers_data:
            raise ConfigError(
                "set_reply() needs bidirectional mode (bidirectional=True) or multiclient=True"
            )
        reply = encode_client_message(self._reply_message(data))
        with self._lock:
            self._reply = reply

    def _ack(self, window: int | None = None) -> Ack:
        return Ack(f"Data received on device: {self.id} !", window=window)

    def _reply_message(self, data: JSONValue | np.ndarray[Any, Any]) -> ClientMessage:
        port = self.config.sources[0] if self.config.multiclient else None
        if not isinstance(data, np.ndarray):
            return DataReply(data, port=port)
        encoded = self._encoder.encode(data)
        return ArrayReply(
            encoded.payload, encoded.compression, encoded.dtype, encoded.shape, port=port
        )

    def status(self) -> tuple[ServerStatus, ...]:
        """Every server seen so far, with its state and counters."""
        with self._lock:
            return self._table.snapshot(time.monotonic())

    def events(self) -> list[SessionEvent]:
        """Session events (joined, quiet, gone, returned, ended) since the last call."""
        with self._lock:
            events = list(self._events)
            self._events.clear()
            return events

    @property
    def rejected(self) -> int:
        """Bad messages dropped so far, on every port."""
        with self._lock:
            return self._table.rejected_total()

    def close(self) -> None:
        """Stop receiving and release every socket; returns within ``close_timeout``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wake()
        self._link.close(self.config.close_timeout)
        self._decoder.close()

    # -- the sockets' side (HubSink): on whichever thread drives them ---------------

    def offer(self, source: str, message: ServerMessage, now: float) -> bool:
        with self._lock:
            self._last_activity = now
            if isinstance(message, EndOfStream):
                self._record(self._table.ended(source, now))
                log.debug("server on port %s ended its stream", source)
                self._wake()
                return True
            if not isinstance(message, FramePacket):
                return True
            pending = Pending(message, time.time())
            # Each offer counts, a refused one too: it found its server's queue busy.
            self._tick_offers += 1
            self._tick_behind += self._queue.count(source) > 0
            outcome, dropped = self._queue.offer(source, pending)
            if outcome is Offer.FULL:
                self._paused.add(source)
                return False
            if dropped is not None:
                self._decoder.dropped(dropped)
                self._table.dropped(source)
            self._tick_bytes += len(message.payload)
            if not (self._receiving and len(self._queue) == 1):
                # Decode ahead only what waits behind another frame: a consumer that
                # is receiving takes this one next, and decodes it sooner itself
                # than by waiting for a worker.
                self._decoder.start(pending)
            self._record(
                self._table.frame(
                    source,
                    now,
                    nbytes=len(message.payload),
                    seq=message.seq,
                    latency=None if message.sent_at is None else time.time() - message.sent_at,
                    message=message.message,
                )
            )
            self._wake()
            return True

    def reply(self, source: str, message: ServerMessage) -> Sequence[Payload]:
        if isinstance(message, EndOfStream):
            return [_TERMINATION_ACK]
        # Advice goes to framehub senders only (they number their frames): vidgear's
        # get vidgear's acknowledgement, byte for byte.
        if self._advice is not None and message.seq is not None:
            return self._advising_reply
        return self._reply

    def reject(self, source: str, error: WireError) -> None:
        with self._lock:
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
                else ("broke the ZeroMQ handshake")
            )
            self.reject(source, WireError(f"a peer {what}"))
            return
        with self._lock:
            if event.kind is PeerEventKind.ABORTED:
                self._table.aborted(source)
            elif event.kind is PeerEventKind.OPENED:
                self._table.opened(source, event.connection)
            elif event.kind is PeerEventKind.CLOSED:
                self._table.closed(source, event.connection, now)

    def tick(self, now: float) -> None:
        with self._lock:
            self._record(self._table.tick(now))
            self._advise(now)
            if self._stream_over(now):
                self._wake()

    def _advise(self, now: float) -> None:
        """Decide, once a tick, whether the consumer is behind and what window to ask
        framehub senders for (see ``session.window``)."""
        elapsed = now - self._tick_at
        if elapsed <= 0:
            return
        rate = self._tick_bytes / elapsed
        share = self._tick_behind / self._tick_offers if self._tick_offers else 0.0
        self._tick_bytes = self._tick_offers = self._tick_behind = 0
        self._tick_at = now
        behind = consumer_behind(share, was_behind=self._behind)
        if behind != self._behind:
            self._behind = behind
            queue_size = self.config.queue_size
            self._queue.limit = min(BEHIND_QUEUE, queue_size) if behind else queue_size
            log.debug("the consumer is %s", "behind" if behind else "keeping up")
        budget = self.config.window_budget
        if budget is None or self._answers_data:
            return  # replies carry the caller's data; bidirectional senders keep one frame
        advice = window_advice(
            self._table.streaming(),
            rate,
            behind=behind,
            advising=self._advice is not None,
            budget=budget,
        )
        if advice == self._advice:
            return
        self._advice = advice
        if advice is not None:
            self._advising_reply = encode_client_message(self._ack(advice))
        log.debug("frames in flight asked of framehub senders: %s", advice or "no limit")

    def crashed(self, error: BaseException) -> None:
        with self._lock:
            self._error = error
            self._wake()

    def _record(self, events: list[SessionEvent]) -> None:
        for event in events:
            log.info("server %s %s", event.source, event.kind.value)
        self._events.extend(events)
