"""The hub's side of the wire: bound sockets, what arrives on them, and the replies.

One socket is bound per port, so a server's identity is the port its bytes
actually arrived on; a message that claims another port is rejected. Each message
is decoded and offered to a ``HubSink``, whose ``Verdict`` says what the link does
(patterns 0 and 1 acknowledge; pattern 2 has no replies):

- ``REPLY``: the frame is queued; acknowledge it now.
- ``DEFER``: the frame is queued; acknowledge it when the sink ``release()``s it
  (the consumer took it). Until then the socket is left unread, so that server
  waits for the consumer and nobody else does.
- ``HOLD``: the sink is full for that server: keep the message here, leave the
  socket unread, and offer it again on ``resume()`` (backpressure to that one
  server; its acknowledgement waits with it).

The link is single-threaded: every method runs on the thread that drives it (see
``transport.driver``), and the sink is called on that thread. So are its taps
(``LinkTap``): they see every valid message as it arrived, and every connection
event, whatever the sink does with them (a publishing hub's ``Republisher``).

Sockets that speak another wire into the same sink (imagezmq's senders, see
``transport.imagezmq_link``) join as ``Inlet``s: polled with the ports, driven by
the same thread, told of ``release`` and ``resume`` for the sources they feed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import partial
from typing import Protocol

import zmq

from ..errors import WireError
from ..security import AccessPolicy
from ..wire import EndOfStream, FramePacket, Limits, Payload, ServerMessage, decode_server_message
from .allocator import retain_frame_memory
from .monitor import Monitor, PeerEvent
from .polling import LinkPoller, drain
from .sockets import Curve, LinkOptions, endpoint, open_socket, send_parts
from .zap import ZapGuard

__all__ = ["REPLY_LINGER_MS", "HubLink", "HubLinkSpec", "HubSink", "Inlet", "LinkTap", "Verdict"]

log = logging.getLogger(__name__)

#: What a closing hub gives libzmq to deliver its last replies (the answer to a
#: server's goodbye, sent just before the caller closed the hub). It never makes
#: close() wait: the shared context is never terminated.
REPLY_LINGER_MS = 200

# REP rather than ROUTER for pattern 1: libzmq strips, keeps and echoes the request
# envelope in C (and discards requests whose envelope is malformed), which halves
# the socket calls per frame; one port has one server, so REP's one-request-at-a-time
# rule costs nothing, and not replying is exactly how a held or deferred server waits.
_SOCKET_KIND = {0: zmq.PAIR, 1: zmq.REP, 2: zmq.SUB}


class Verdict(Enum):
    """What the link does with a message the sink was offered."""

    #: Queued: acknowledge it now.
    REPLY = "reply"
    #: Queued: acknowledge it when the sink releases it; read nothing more meanwhile.
    DEFER = "defer"
    #: Not queued (full): keep it, read nothing more, offer it again on resume.
    HOLD = "hold"


class HubSink(Protocol):
    """What the hub link hands its messages to, on the thread that drives the link."""

    def offer(self, source: str, message: ServerMessage, now: float) -> Verdict:
        """Take a valid message."""

    def reply(self, source: str, message: ServerMessage, now: float) -> Sequence[Payload]:
        """The reply body for a message, as it is sent (patterns 0 and 1)."""

    def reject(self, source: str, error: WireError) -> None:
        """A message from ``source`` was invalid and has been dropped."""

    def peer(self, source: str, event: PeerEvent, now: float) -> None:
        """A connection on ``source``'s port opened, closed or was refused."""

    def tick(self, now: float) -> None:
        """Called about every ``TICK_SECONDS`` while the link is driven."""


class LinkTap(Protocol):
    """Sees what the link receives, on the thread that drives it; owned by the link
    once given to it (closed with its sockets)."""

    def received(
        self, source: str, parts: Sequence[Payload | zmq.Frame], message: ServerMessage
    ) -> None:
        """A valid message arrived from ``source``: these NetGear parts (the ZeroMQ
        frames it came in, or an inlet's message re-encoded around its payload)."""

    def peer(self, source: str, event: PeerEvent) -> None:
        """A connection on ``source``'s port changed."""

    def tick(self, now: float) -> None:
        """Called with the sink's ``tick``."""

    def close(self) -> None: ...


class Inlet(Protocol):
    """Sockets of another wire that feed the hub's sink beside its ports.

    An inlet decodes, offers to the sink and replies in its own wire; it follows
    the sink's verdicts for its sources as the ports do, and (un)registers its own
    sockets with the link's poller to stop or resume reading one.
    """

    @property
    def sockets(self) -> Sequence[zmq.Socket[bytes]]:
        """Every socket it owns."""

    def attach(self, poller: LinkPoller) -> None:
        """Register the sockets to read with the link's poller (once, at start)."""

    def read(self, sock: zmq.Socket[bytes]) -> None:
        """``sock``, one of its sockets, is readable: handle what arrived."""

    def release(self, source: str) -> None:
        """As ``HubLink.release``; a source it does not feed is ignored."""

    def resume(self, source: str) -> None:
        """As ``HubLink.resume``; a source it does not feed is ignored."""

    def close_sockets(self) -> None:
        """Close every socket it owns."""


@dataclass(frozen=True, slots=True)
class HubLinkSpec:
    protocol: str
    address: str
    ports: tuple[str, ...]
    pattern: int
    multiserver: bool
    limits: Limits
    retain_frame_memory: bool = True
    #: Secure Mode: this hub's own CURVE keys, and who may connect.
    curve: Curve | None = None
    access: AccessPolicy | None = None


@dataclass(slots=True)
class _Port:
    source: str
    sock: zmq.Socket[bytes]
    monitor: Monitor
    #: A message the sink could not take yet (``Verdict.HOLD``).
    held: ServerMessage | None = field(default=None)
    #: A queued message whose acknowledgement waits for ``release`` (``Verdict.DEFER``).
    owed: ServerMessage | None = field(default=None)


class HubLink:
    """Binds every port at construction (errors raise in the caller's thread).

    ``wake`` is polled beside the ports (the driver's: readable when work was
    posted), and ``cycle`` says when it was. The link owns the ``inlets`` it is
    given, and closes them with its ports.
    """

    def __init__(
        self,
        spec: HubLinkSpec,
        sink: HubSink,
        context: zmq.Context[zmq.Socket[bytes]],
        wake: zmq.Socket[bytes],
        taps: Sequence[LinkTap] = (),
        inlets: Sequence[Inlet] = (),
    ) -> None:
        self.spec = spec
        self._sink = sink
        self._taps = tuple(taps)
        self._inlets = tuple(inlets)
        if spec.retain_frame_memory:
            retain_frame_memory()
        self._ports: list[_Port] = []
        kind = _SOCKET_KIND[spec.pattern]
        limits = spec.limits
        self._guard: ZapGuard | None = None
        curve = spec.curve
        try:
            if curve is not None and spec.access is not None:
                self._guard = ZapGuard(context, spec.access)
                curve = replace(curve, server_key=None, zap_domain=self._guard.domain)
            options = LinkOptions(
                subscribe=spec.pattern == 2,
                max_message_bytes=max(limits.max_payload_bytes, limits.max_header_bytes),
                curve=curve,
            )
            for port in spec.ports:
                where = endpoint(spec.protocol, spec.address, port)
                sock = open_socket(context, kind, bind=where, options=options)
                try:
                    monitor = Monitor(sock)
                except BaseException:
                    sock.close(linger=0)
                    raise
                self._ports.append(_Port(port, sock, monitor))
        except BaseException:
            self.close_sockets()
            raise
        self._poller = LinkPoller(wake)
        for bound in self._ports:
            self._poller.register(bound.sock)
        for inlet in self._inlets:
            inlet.attach(self._poller)
        self._inlet_of = {sock: inlet for inlet in self._inlets for sock in inlet.sockets}
        self._by_socket = {bound.sock: bound for bound in self._ports}
        self._by_source = {bound.source: bound for bound in self._ports}

    def close_sockets(self) -> None:
        for port in self._ports:
            port.monitor.close()
            port.sock.close(linger=REPLY_LINGER_MS)
        for inlet in self._inlets:
            inlet.close_sockets()
        # While our sockets were open their handshakes had to stay checked: without
        # a ZAP handler libzmq would accept any CURVE key.
        if self._guard is not None:
            self._guard.close()
        for tap in self._taps:
            tap.close()

    # -- what the sink asks for ---------------------------------------------------------

    def resume(self, source: str) -> None:
        """The sink has room for ``source`` again: offer its held message."""
        port = self._by_source.get(source)
        if port is None:
            for inlet in self._inlets:
                inlet.resume(source)
            return
        if port.held is None:
            return
        message, port.held = port.held, None
        if self._offer(port, message):
            self._poller.register(port.sock)

    def release(self, source: str) -> None:
        """Acknowledge ``source``'s deferred message, and read its socket again."""
        port = self._by_source.get(source)
        if port is None:
            for inlet in self._inlets:
                inlet.release(source)
            return
        if port.owed is None:
            return
        message, port.owed = port.owed, None
        self._send_reply(port, self._sink.reply(source, message, time.monotonic()))
        self._poller.register(port.sock)

    # -- driving ------------------------------------------------------------------------

    def fds(self) -> list[int]:
        return self._poller.fds()

    def settled(self) -> bool:
        return self._poller.settled()

    def cycle(self, timeout: float | None) -> bool:
        """Poll once (until the next tick, or ``timeout`` s if sooner) and handle what
        is ready; advance the clock when due. True if ``wake`` was readable."""
        ready, woken = self._poller.poll(timeout)
        for sock in ready:
            port = self._by_socket.get(sock)
            if port is None:
                self._inlet_of[sock].read(sock)
            elif (
                port.held is None
                and port.owed is None
                and not drain(sock, partial(self._handle, port))
            ):
                self._poller.unregister(sock)
        now = self._poller.tick()
        if now is not None:
            self._watch(now)
            self._sink.tick(now)
            for tap in self._taps:
                tap.tick(now)
        return woken

    def _watch(self, now: float) -> None:
        """Hand on the connection events of every port.

        Read on the clock rather than polled with the data sockets: polling twice as
        many sockets cost more per frame than a quarter second's delay on a
        connection event costs the liveness rules.
        """
        for port in self._ports:
            for event in port.monitor.read():
                self._sink.peer(port.source, event, now)
                for tap in self._taps:
                    tap.peer(port.source, event)

    def _handle(self, port: _Port, parts: list[zmq.Frame]) -> bool:
        """Decode and offer one message; False when the socket must wait."""
        try:
            self._check_key(parts[0])
            message = decode_server_message([part.buffer for part in parts], self.spec.limits)
            self._check_claim(port.source, message)
        except WireError as exc:
            self._sink.reject(port.source, exc)
            self._reply_to_rejected(port)
            return True
        for tap in self._taps:
            tap.received(port.source, parts, message)
        return self._offer(port, message)

    def _check_key(self, part: zmq.Frame) -> None:
        """IronHouse: a peer whose key was revoked after it connected is refused too."""
        access = self.spec.access
        if access is not None and access.authorised is not None:
            user_id = part.get("User-Id")
            if not access.still_allowed(user_id if isinstance(user_id, str) else None):
                raise WireError("the sender's key is no longer authorised")

    def _check_claim(self, source: str, message: ServerMessage) -> None:
        if not self.spec.multiserver or not isinstance(message, FramePacket | EndOfStream):
            return
        if message.port is None:
            raise WireError("Multi-Servers Mode needs every message to carry its 'port'")
        if str(message.port) != source:
            raise WireError(f"message claims port {message.port!r:.20} but arrived on {source}")

    def _offer(self, port: _Port, message: ServerMessage) -> bool:
        """Offer ``message``; False when the socket must wait (held, or owed a reply)."""
        now = time.monotonic()
        verdict = self._sink.offer(port.source, message, now)
        if verdict is Verdict.HOLD:
            port.held = message
            return False
        if self.spec.pattern == 2:
            return True
        if verdict is Verdict.DEFER:
            port.owed = message
            return False
        self._send_reply(port, self._sink.reply(port.source, message, now))
        return True

    def _reply_to_rejected(self, port: _Port) -> None:
        """Answer a rejected request with an empty reply, which is not an acknowledgement.

        A REP socket must answer before it reads on, and a PAIR sender matches replies
        to frames in order. framehub senders count the frame as dropped; vidgear
        senders log the reply.
        """
        if self.spec.pattern != 2:
            self._send_reply(port, [b""])

    def _send_reply(self, port: _Port, parts: Sequence[Payload]) -> None:
        try:
            send_parts(port.sock, parts, copy=True)
        except zmq.Again:
            log.debug("reply to %s dropped: the server is gone", port.source)
