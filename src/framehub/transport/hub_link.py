"""The hub's side of the wire: bound sockets, who drives them, and the replies.

One socket is bound per port, so a server's identity is the port its bytes
actually arrived on; a message that claims another port is rejected. Each message
is decoded and offered to a ``HubSink``; when the sink is full for that source the
message is held and the socket is left unread until ``resume()`` (backpressure to
that one server only), and in patterns 0 and 1 the acknowledgement is only sent
once the sink has taken the frame.

Two threads may drive the sockets, one at a time (the ``driver`` lock): a consumer
waiting for frames does it itself through ``pump()``, so a frame reaches it with
no hand-off between threads; the link's own I/O thread takes over only when no
consumer has pumped for ``TAKEOVER_SECONDS``, so replies, connection events and the
clock go on while the consumer is busy elsewhere or gone. A consumer that finds
the I/O thread driving asks it to yield. The I/O thread never waits on the lock
itself: it looks again a moment later, so a consumer receiving frame after frame
never wakes it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import zmq

from ..errors import WireError
from ..security import AccessPolicy
from ..wire import EndOfStream, FramePacket, Limits, Payload, ServerMessage, decode_server_message
from .allocator import retain_frame_memory
from .monitor import Monitor, PeerEvent
from .sockets import (
    POLLIN,
    Curve,
    LinkOptions,
    endpoint,
    open_socket,
    ready_events,
    recv_parts,
    send_parts,
)
from .zap import ZapGuard

__all__ = ["HubLink", "HubLinkSpec", "HubSink"]

log = logging.getLogger(__name__)

#: How often the sink's clock advances while nothing arrives (quiet/gone detection).
TICK_SECONDS = 0.25
#: How long the I/O thread leaves the sockets to a consumer that stopped pumping
#: (it is busy with a frame): replies wait at most about twice this, well inside
#: the four frames a sender may have in flight at 30 frames/s.
TAKEOVER_SECONDS = 0.05
#: Messages read from one socket before looking at the others, so no port starves.
BATCH = 8
#: Control messages: wake whoever is polling (to stop), hand the sockets to a
#: waiting consumer, re-offer a paused source's held message.
_WAKE = b"W"
_YIELD = b"Y"
_RESUME = b"R"
#: Longest a closing I/O thread waits for a consumer to finish its poll.
_CLOSE_WAIT = 5.0

# REP rather than ROUTER for pattern 1: libzmq strips, keeps and echoes the request
# envelope in C (and discards requests whose envelope is malformed), which halves
# the socket calls per frame; one port has one server, so REP's one-request-at-a-time
# rule costs nothing, and not replying is exactly how a paused server is held.
_SOCKET_KIND = {0: zmq.PAIR, 1: zmq.REP, 2: zmq.SUB}


class HubSink(Protocol):
    """What the hub link hands its messages to, on whichever thread drives the sockets
    (the I/O thread, or a consumer in ``pump()``); never on two at once."""

    def offer(self, source: str, message: ServerMessage, now: float) -> bool:
        """Take a valid message; False means full: hold it and offer it again on resume."""

    def reply(self, source: str, message: ServerMessage) -> Sequence[Payload]:
        """The reply body for a message just taken (patterns 0 and 1)."""

    def reject(self, source: str, error: WireError) -> None:
        """A message from ``source`` was invalid and has been dropped."""

    def peer(self, source: str, event: PeerEvent, now: float) -> None:
        """A connection on ``source``'s port opened, closed or was refused."""

    def tick(self, now: float) -> None:
        """Called about every ``TICK_SECONDS`` while the sockets are driven."""

    def crashed(self, error: BaseException) -> None:
        """Driving the sockets failed; nothing more will be offered."""


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
    held: ServerMessage | None = field(default=None)


class HubLink:
    """Binds every port at construction (errors raise in the caller's thread).

    Everything below the ``driver`` lock (the sockets, the poller, held messages,
    the clock) is touched only by the thread holding it.
    """

    def __init__(
        self, spec: HubLinkSpec, sink: HubSink, context: zmq.Context[zmq.Socket[bytes]]
    ) -> None:
        self.spec = spec
        self._sink = sink
        self._context = context
        if spec.retain_frame_memory:
            retain_frame_memory()
        self._ports: list[_Port] = []
        self._driver = threading.Lock()
        #: Set by close(), read by both drivers; a plain flag, written once.
        self._stopping = False
        #: Whether a consumer is in pump() now, and when it last left it.
        self._pumping = False
        self._pumped_at = 0.0
        #: Set when a consumer asked the I/O thread for the sockets.
        self._yield_asked = False
        #: Wakes the I/O thread from its wait between looks (close()).
        self._attention = threading.Event()
        self._command_lock = threading.Lock()
        control = f"inproc://framehub-hub-{uuid.uuid4().hex}"
        self._control_in = open_socket(context, zmq.PAIR, bind=control)
        self._control_out = open_socket(context, zmq.PAIR, connect=control)
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
            self._close_sockets()
            self._control_out.close(linger=0)
            if self._guard is not None:
                self._guard.close()
            raise
        self._poller = zmq.Poller()
        self._poller.register(self._control_in, zmq.POLLIN)
        for bound in self._ports:
            self._poller.register(bound.sock, zmq.POLLIN)
        self._by_socket = {bound.sock: bound for bound in self._ports}
        self._next_tick = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="framehub-hub-io", daemon=True)
        self._thread.start()

    # -- called from other threads ------------------------------------------------

    def resume(self, source: str) -> None:
        """The sink has room for ``source`` again (its held message is offered at once
        when the sockets are free here, else by whoever drives them next)."""
        self._command(_RESUME + source.encode())
        self.pump(0.0)

    def pump(self, timeout: float) -> bool:
        """Drive the sockets from the calling thread until something arrives or
        ``timeout`` seconds pass; False if they could not be had in that time (another
        thread drives them) or the link is closing.

        Messages are offered to the sink on this thread. A consumer waiting for frames
        calls this instead of sleeping: the frame then needs no thread hand-off.
        """
        if not self._driver.acquire(blocking=False):
            if timeout <= 0:
                return False
            self._command(_YIELD)
            if not self._driver.acquire(timeout=timeout):
                return False
            timeout = 0.0  # frames may have come meanwhile: let the caller look first
        try:
            if self._stopping:
                return False
            self._pumping = True
            try:
                self._cycle(timeout)
            except Exception as exc:
                self._fail(exc)
            finally:
                self._pumping = False
                self._pumped_at = time.monotonic()
            return True
        finally:
            self._driver.release()

    def close(self, timeout: float) -> bool:
        """Stop the I/O thread and close every socket; False if it did not stop in time."""
        self._stopping = True
        self._command(_WAKE)
        self._attention.set()
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if not stopped:
            log.warning("hub I/O thread did not stop within %.1f s", timeout)
        with self._command_lock:
            self._control_out.close(linger=0)
        # While our sockets may still be open their handshakes must stay checked:
        # without a ZAP handler libzmq would accept any CURVE key.
        if stopped and self._guard is not None:
            self._guard.close()
        return stopped

    def _command(self, command: bytes) -> None:
        """Post a command without waiting: once the I/O thread has stopped and closed its
        end nobody reads them, and a blocking send would wait forever."""
        with self._command_lock:
            if self._control_out.closed:
                return
            try:
                self._control_out.send(command, zmq.NOBLOCK)
            except zmq.Again:
                log.debug("hub command %r not posted: the link is stopping", command[:1])

    # -- the I/O thread -----------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        except BaseException as exc:
            self._fail(exc)
        finally:
            if self._driver.acquire(timeout=_CLOSE_WAIT):
                self._close_sockets()
                self._driver.release()
            else:
                log.warning("hub sockets left open: a consumer kept them past %s s", _CLOSE_WAIT)

    def _fail(self, exc: BaseException) -> None:
        """Driving the sockets failed: tell the sink first (a consumer that then finds
        the link stopping finds the error too), then stop."""
        log.error("hub I/O failed", exc_info=exc)
        self._sink.crashed(exc)
        self._stopping = True
        self._attention.set()

    def _serve(self) -> None:
        """Drive the sockets whenever no consumer has pumped for ``TAKEOVER_SECONDS``."""
        while not self._stopping:
            idle = time.monotonic() - self._pumped_at
            if idle < TAKEOVER_SECONDS:
                self._attention.wait(TAKEOVER_SECONDS - idle)
            elif self._pumping or not self._driver.acquire(blocking=False):
                self._attention.wait(TAKEOVER_SECONDS)
            else:
                self._drive()

    def _drive(self) -> None:
        """Drive the sockets (the lock is held) until stopping or a consumer asks for them."""
        try:
            self._yield_asked = False
            while not (self._stopping or self._yield_asked):
                self._cycle(None)
        finally:
            self._driver.release()
        if self._yield_asked:
            # The consumer that asked takes the sockets now; look again in a while.
            self._pumped_at = time.monotonic()

    def _close_sockets(self) -> None:
        for port in self._ports:
            port.monitor.close()
            port.sock.close(linger=0)
        self._control_in.close(linger=0)

    # -- whoever drives (holding the driver lock) ---------------------------------

    def _cycle(self, timeout: float | None) -> None:
        """Poll once (until the next tick, or ``timeout`` s if sooner) and handle
        what is ready; advance the clock when due."""
        wait = max(0.0, self._next_tick - time.monotonic())
        if timeout is not None:
            wait = min(wait, timeout)
        for sock, _ in self._poller.poll(math.ceil(wait * 1000)):
            if sock is self._control_in:
                self._commands()
                continue
            port = self._by_socket[sock]
            if port.held is None:
                self._drain(port)
        now = time.monotonic()
        if now >= self._next_tick:
            self._watch(now)
            self._sink.tick(now)
            self._next_tick = now + TICK_SECONDS

    def _watch(self, now: float) -> None:
        """Hand on the connection events of every port.

        Read on the clock rather than polled with the data sockets: polling twice as
        many sockets cost more per frame than a quarter second's delay on a
        connection event costs the liveness rules.
        """
        for port in self._ports:
            for event in port.monitor.read():
                self._sink.peer(port.source, event, now)

    def _commands(self) -> None:
        """Run queued commands."""
        while True:
            try:
                command = self._control_in.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if command == _YIELD:
                self._yield_asked = True
            elif command.startswith(_RESUME):
                self._resume(command[len(_RESUME) :].decode())

    def _resume(self, source: str) -> None:
        for port in self._ports:
            if port.source == source and port.held is not None:
                message, port.held = port.held, None
                if self._offer(port, message):
                    self._poller.register(port.sock, zmq.POLLIN)

    def _drain(self, port: _Port) -> None:
        for index in range(BATCH):
            # The poll said the first message is there; for the next ones ask the
            # socket, which is cheaper than the exception a receive finding none raises.
            if index and not ready_events(port.sock) & POLLIN:
                return
            parts = recv_parts(port.sock)
            if parts is None:
                return
            if not self._handle(port, parts):
                self._poller.unregister(port.sock)
                return

    def _handle(self, port: _Port, parts: list[zmq.Frame]) -> bool:
        """Decode and offer one message; False when it is held (socket paused)."""
        try:
            self._check_key(parts[0])
            message = decode_server_message([part.buffer for part in parts], self.spec.limits)
            self._check_claim(port.source, message)
        except WireError as exc:
            self._sink.reject(port.source, exc)
            self._reply_to_rejected(port)
            return True
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
        if not self._sink.offer(port.source, message, time.monotonic()):
            port.held = message
            return False
        if self.spec.pattern != 2:
            self._send_reply(port, self._sink.reply(port.source, message))
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
