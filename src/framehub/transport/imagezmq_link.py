"""imagezmq's senders, unchanged, into a hub: an ``Inlet`` beside the NetGear ports.

REQ/REP: imagezmq's hub binds a REP socket, which answers one request at a time,
so one sender made to wait would stall every other sender on the port. This one
binds a ROUTER instead: its REQ senders see no difference, and each is answered
``b"OK"`` on its own, when the sink says so (``Verdict``): at once, when the
consumer takes its frame (``DEFER``), or once its queue has room (``HOLD``). A REQ
sender waits for its answer before it sends again, so leaving it unanswered is
that sender's backpressure, and nobody else's.

PUB/SUB: each sender binds a PUB socket; the hub connects one SUB socket to each
address. There are no replies: a held frame leaves that socket unread until
``resume``, and the sender's PUB socket drops what does not fit.

Senders are told apart by the name they send (their frames' ``source``). Frames
under one name from several senders at once (two cameras given one name, or a
restarted one whose old frame still waits) queue in turn, a few at most.

The link's taps (a publishing hub's ``Republisher``) see each valid frame as it
arrives, as the ports' are seen, but in NetGear's wire: a header made for it
(its name, and ``via``) before the payload as received, JPEG or raw, not copied.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import partial

import zmq

from ..errors import WireError
from ..wire import (
    IMAGEZMQ_REPLY,
    FramePacket,
    Limits,
    decode_imagezmq_message,
    encode_server_message,
)
from .hub_link import REPLY_LINGER_MS, HubSink, LinkTap, Verdict
from .polling import LinkPoller, drain
from .sockets import (
    LinkOptions,
    endpoint,
    open_socket,
    send_parts,
)

__all__ = ["ImagezmqInlet", "ImagezmqSpec"]

log = logging.getLogger(__name__)

#: Frames waiting under one name, beyond the one offered; REQ senders have one
#: request out each, so more means several senders share a name. The oldest is
#: then answered and dropped (counted as rejected).
_BACKLOG = 4
#: What a PUB/SUB hub buffers per sender beyond what it is reading: a few frames,
#: so a held sender's backlog is bounded here and dropped at its own PUB socket.
_SUB_RCVHWM = 4
_NOT_ACKED = b""


@dataclass(frozen=True, slots=True)
class ImagezmqSpec:
    """Where imagezmq senders reach the hub: a ``port`` to bind (REQ/REP) on
    ``protocol``/``address``, and PUB ``connect`` addresses. ``reserved``: the hub's
    NetGear ports, names no imagezmq sender may take; ``max_senders``: distinct
    names accepted, so that a peer inventing names cannot grow the hub without end."""

    protocol: str
    address: str
    port: str | None
    connect: tuple[str, ...]
    limits: Limits
    reserved: Collection[str] = ()
    max_senders: int = 1024


@dataclass(slots=True)
class _Waiting:
    packet: FramePacket
    sock: zmq.Socket[bytes]
    #: The ROUTER routing id of the REQ sender awaiting ``b"OK"``; None from PUB/SUB.
    peer: bytes | None


@dataclass(slots=True)
class _Named:
    """One sender name: frames not yet taken by the sink, and the one owed its answer."""

    queue: deque[_Waiting] = field(default_factory=deque)
    owed: _Waiting | None = None
    #: A SUB socket left unread while this name's frame is held.
    paused: zmq.Socket[bytes] | None = None


class ImagezmqInlet:
    """Binds and connects at construction (errors raise in the caller's thread);
    then driven by the hub link's thread, as an ``Inlet``. ``taps`` are the link's:
    it owns and closes them."""

    def __init__(
        self,
        spec: ImagezmqSpec,
        sink: HubSink,
        context: zmq.Context[zmq.Socket[bytes]],
        taps: Sequence[LinkTap] = (),
    ) -> None:
        self.spec = spec
        self._sink = sink
        self._taps = tuple(taps)
        self._poller: LinkPoller | None = None
        self._named: dict[str, _Named] = {}
        #: What each socket is called in counters and status: the port, or the address.
        self._via: dict[zmq.Socket[bytes], str] = {}
        self._router: zmq.Socket[bytes] | None = None
        max_bytes = max(spec.limits.max_payload_bytes, spec.limits.max_header_bytes)
        try:
            if spec.port is not None:
                self._router = open_socket(
                    context,
                    zmq.ROUTER,
                    bind=endpoint(spec.protocol, spec.address, spec.port),
                    options=LinkOptions(max_message_bytes=max_bytes),
                )
                self._via[self._router] = spec.port
            for where in spec.connect:
                options = LinkOptions(
                    subscribe=True, rcvhwm=_SUB_RCVHWM, max_message_bytes=max_bytes
                )
                self._via[open_socket(context, zmq.SUB, connect=where, options=options)] = where
        except BaseException:
            self.close_sockets()
            raise

    @property
    def sockets(self) -> Sequence[zmq.Socket[bytes]]:
        return tuple(self._via)

    def attach(self, poller: LinkPoller) -> None:
        self._poller = poller
        for sock in self._via:
            poller.register(sock)

    def close_sockets(self) -> None:
        for sock in self._via:
            # The ROUTER's last answers get the time the ports' replies get.
            sock.close(linger=REPLY_LINGER_MS if sock is self._router else 0)

    # -- reading ------------------------------------------------------------------------

    def read(self, sock: zmq.Socket[bytes]) -> None:
        drain(sock, partial(self._handle, sock))

    def _handle(self, sock: zmq.Socket[bytes], frames: list[zmq.Frame]) -> bool:
        """Take one message; False when ``sock`` must not be read on (a SUB held, and
        unregistered until ``resume``)."""
        parts = [frame.buffer for frame in frames]
        peer = None
        if sock is self._router:
            # A REQ sender's request comes as [routing id, empty delimiter, *message].
            if len(parts) < 3 or len(parts[1]):
                self._sink.reject(self._via[sock], WireError("not a REQ request envelope"))
                return True
            peer, parts = bytes(parts[0]), parts[2:]
        try:
            packet = decode_imagezmq_message(
                parts,
                pattern=2 if peer is None else 1,
                via=self._via[sock],
                limits=self.spec.limits,
            )
            source, named = self._name(packet)
        except WireError as exc:
            self._sink.reject(self._via[sock], exc)
            # A REQ sender waits for an answer before it sends again: not an "OK".
            self._answer(sock, peer, _NOT_ACKED)
            return True
        if self._taps:
            relayed = encode_server_message(packet)
            for tap in self._taps:
                tap.received(source, relayed, packet)
        if len(named.queue) >= _BACKLOG:
            oldest = named.queue.popleft()
            self._sink.reject(source, WireError(f"over {_BACKLOG} senders named {source!r:.40}"))
            self._answer(oldest.sock, oldest.peer, IMAGEZMQ_REPLY)
        named.queue.append(_Waiting(packet, sock, peer))
        self._advance(source, named)
        if peer is None and named.queue:
            named.paused = sock
            if self._poller is not None:
                self._poller.unregister(sock)
            return False
        return True

    def _name(self, packet: FramePacket) -> tuple[str, _Named]:
        """The packet's sender name and its state, refusing names the hub cannot take."""
        name = packet.name
        if name is None or name in self.spec.reserved:
            raise WireError(f"imagezmq name {name!r:.40} is one of the hub's NetGear ports")
        named = self._named.get(name)
        if named is None:
            if len(self._named) >= self.spec.max_senders:
                raise WireError(f"more than {self.spec.max_senders} imagezmq sender names")
            named = self._named[name] = _Named()
        return name, named

    # -- what the sink decides ------------------------------------------------------------

    def _advance(self, source: str, named: _Named) -> None:
        """Offer ``source``'s waiting frames, oldest first, while the sink takes them and
        no answer is owed."""
        while named.owed is None and named.queue:
            waiting = named.queue[0]
            now = time.monotonic()
            verdict = self._sink.offer(source, waiting.packet, now)
            if verdict is Verdict.HOLD:
                return
            named.queue.popleft()
            if waiting.peer is None:
                continue
            if verdict is Verdict.DEFER:
                named.owed = waiting
                return
            self._acknowledge(source, waiting, now)

    def _acknowledge(self, source: str, waiting: _Waiting, now: float) -> None:
        # The sink's reply body is NetGear's; asking for it keeps its flow bookkeeping.
        self._sink.reply(source, waiting.packet, now)
        self._answer(waiting.sock, waiting.peer, IMAGEZMQ_REPLY)

    def _answer(self, sock: zmq.Socket[bytes], peer: bytes | None, body: bytes) -> None:
        """Answer a REQ sender (a ROUTER drops an answer to a peer that is gone)."""
        if peer is None:
            return
        try:
            send_parts(sock, [peer, b"", body], copy=True)
        except zmq.Again:
            log.debug("an answer to an imagezmq sender was dropped: its queue is full")

    def release(self, source: str) -> None:
        named = self._named.get(source)
        if named is None or named.owed is None:
            return
        waiting, named.owed = named.owed, None
        self._acknowledge(source, waiting, time.monotonic())
        self.resume(source)

    def resume(self, source: str) -> None:
        named = self._named.get(source)
        if named is None:
            return
        self._advance(source, named)
        if named.paused is not None and not named.queue:
            sock, named.paused = named.paused, None
            if self._poller is not None:
                self._poller.register(sock)
