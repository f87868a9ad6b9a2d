"""A subscriber's side of the relay: one SUB socket per hub, and what arrives on them.

The counterpart of ``HubLink`` for frames a hub republishes (see ``wire.relay``):
it hands the same ``HubSink`` the same messages, under the same rules (a held
message leaves its hub's socket unread until ``resume``), so the hub's queue,
policies, freshness and server table work for a subscriber unchanged. There are
no replies: pub/sub has none.

A camera's id here is the hub's source id, behind the hub's label when the
subscriber joins more than one hub (``labels``): two hubs may both have a 5566.
Its connection notes drive the table's liveness as the hub's own connections do;
a hub that is lost takes its cameras' connections with it.

Single-threaded, like ``HubLink``: driven through ``transport.driver``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import partial

import zmq

from ..errors import WireError
from ..wire import (
    SUBSCRIBER_MARK,
    ConnectionNote,
    Limits,
    NoteKind,
    ServerMessage,
    decode_relayed,
)
from .hub_link import HubSink, Verdict
from .monitor import Monitor, PeerEvent, PeerEventKind
from .polling import LinkPoller, drain
from .sockets import LinkOptions, open_socket

__all__ = ["SubscriberLink", "SubscriberLinkSpec"]

log = logging.getLogger(__name__)

_KINDS = {NoteKind.OPENED: PeerEventKind.OPENED, NoteKind.CLOSED: PeerEventKind.CLOSED}


@dataclass(frozen=True, slots=True)
class SubscriberLinkSpec:
    #: The hubs' publish endpoints, and the label each one's cameras get ("" for none).
    hubs: tuple[str, ...]
    labels: tuple[str, ...]
    #: What to subscribe to on every hub (``wire.relay``'s subscriptions).
    topics: tuple[bytes, ...]
    limits: Limits
    #: Relayed messages each SUB socket keeps at most while the consumer is busy.
    rcvhwm: int


@dataclass(slots=True)
class _Hub:
    endpoint: str
    label: str
    sock: zmq.Socket[bytes]
    monitor: Monitor
    #: The open connections the hub told us of, per camera (by our id).
    connections: dict[str, set[int]] = field(default_factory=dict)
    #: A message the sink could not take yet, and whose it is.
    held: tuple[str, ServerMessage] | None = None


class SubscriberLink:
    """Connects to every hub at construction; ``wake`` as for ``HubLink``."""

    def __init__(
        self,
        spec: SubscriberLinkSpec,
        sink: HubSink,
        context: zmq.Context[zmq.Socket[bytes]],
        wake: zmq.Socket[bytes],
    ) -> None:
        self.spec = spec
        self._sink = sink
        self._hubs: list[_Hub] = []
        limits = spec.limits
        options = LinkOptions(
            rcvhwm=spec.rcvhwm,
            max_message_bytes=max(limits.max_payload_bytes, limits.max_header_bytes),
        )
        try:
            for where, label in zip(spec.hubs, spec.labels, strict=True):
                sock = open_socket(context, zmq.SUB, options=options)
                try:
                    for topic in (*spec.topics, SUBSCRIBER_MARK):
                        sock.setsockopt(zmq.SUBSCRIBE, topic)
                    monitor = Monitor(sock)
                    sock.connect(where)
                except BaseException:
                    sock.close(linger=0)
                    raise
                self._hubs.append(_Hub(where, label, sock, monitor))
        except BaseException:
            self.close_sockets()
            raise
        self._poller = LinkPoller(wake)
        for hub in self._hubs:
            self._poller.register(hub.sock)
        self._by_socket = {hub.sock: hub for hub in self._hubs}

    def close_sockets(self) -> None:
        for hub in self._hubs:
            hub.monitor.close()
            hub.sock.close(linger=0)

    # -- what the sink asks for ---------------------------------------------------------

    def resume(self, source: str) -> None:
        """The sink has room for ``source`` again: offer its hub's held message."""
        for hub in self._hubs:
            if hub.held is not None and hub.held[0] == source:
                held, hub.held = hub.held, None
                if self._offer(hub, *held):
                    self._poller.register(hub.sock)

    def release(self, source: str) -> None:
        """Nothing to acknowledge in pub/sub (the sink never defers without replies)."""

    # -- driving ------------------------------------------------------------------------

    def fds(self) -> list[int]:
        return self._poller.fds()

    def settled(self) -> bool:
        return self._poller.settled()

    def cycle(self, timeout: float | None) -> bool:
        """As ``HubLink.cycle``."""
        ready, woken = self._poller.poll(timeout)
        for sock in ready:
            hub = self._by_socket[sock]
            if hub.held is None and not drain(sock, partial(self._handle, hub)):
                self._poller.unregister(sock)
        now = self._poller.tick()
        if now is not None:
            self._watch(now)
            self._sink.tick(now)
        return woken

    def _watch(self, now: float) -> None:
        """A hub that is lost closes every connection it told us of."""
        for hub in self._hubs:
            for event in hub.monitor.read():
                if event.kind is PeerEventKind.CLOSED:
                    log.info("lost the hub at %s", hub.endpoint)
                    for source, open_ in hub.connections.items():
                        for connection in open_ or {0}:
                            closed = PeerEvent(PeerEventKind.CLOSED, connection)
                            self._sink.peer(source, closed, now)
                    hub.connections.clear()
                elif event.kind is PeerEventKind.OPENED:
                    log.info("joined the hub at %s", hub.endpoint)

    def _handle(self, hub: _Hub, parts: list[zmq.Frame]) -> bool:
        """Decode and offer one relayed message; False when the socket must wait."""
        try:
            relayed = decode_relayed([part.buffer for part in parts], self.spec.limits)
        except WireError as exc:
            self._sink.reject(hub.label or hub.endpoint, exc)
            return True
        source = hub.label + relayed.source
        message = relayed.message
        if isinstance(message, ConnectionNote):
            self._note(hub, source, message)
            return True
        hub.connections.setdefault(source, set())
        return self._offer(hub, source, message)

    def _note(self, hub: _Hub, source: str, note: ConnectionNote) -> None:
        open_ = hub.connections.setdefault(source, set())
        if note.kind is NoteKind.OPENED:
            open_.add(note.connection)
        else:
            open_.discard(note.connection)
        event = PeerEvent(_KINDS[note.kind], note.connection)
        self._sink.peer(source, event, time.monotonic())

    def _offer(self, hub: _Hub, source: str, message: ServerMessage) -> bool:
        if self._sink.offer(source, message, time.monotonic()) is Verdict.HOLD:
            hub.held = (source, message)
            return False
        return True
