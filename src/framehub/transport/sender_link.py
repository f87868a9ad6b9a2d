"""A server's side of the wire: one connected socket, replaced whole when the hub is lost.

Patterns 0 and 1 are request/reply exchanges. Pattern 1 uses a DEALER socket that
puts ``[tag, b""]`` in front of each request, exactly what a REQ socket with
``REQ_CORRELATE`` sends, so a REP peer (vidgear's client and framehub's hub
alike) echoes the tag in its reply. That lets several requests be in flight at
once (they wait in the hub's socket, answered in order) while each reply is still
matched to its frame.

Pattern 2 publishes through an XPUB socket: wire-identical to PUB, but it reports
subscriptions, so the first frame waits until the hub is really listening, and
with ``XPUB_NODROP`` a full queue is reported instead of silently dropping.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import zmq

from ..errors import ConfigError, TransportError, WireError
from ..wire import Payload
from .monitor import Monitor, PeerEventKind
from .sockets import (
    POLLIN,
    POLLOUT,
    Curve,
    LinkOptions,
    endpoint,
    open_socket,
    ready_events,
    recv_parts,
    send_parts,
)
from .ssh import SshTunnel, SshTunnelConfig

__all__ = [
    "HUB_LOST",
    "HubLost",
    "PublishLink",
    "Reply",
    "RequestLink",
    "SenderLink",
    "SenderLinkSpec",
    "open_link",
]

log = logging.getLogger(__name__)

_TAG_BYTES = 8
_FULL_RETRY_SECONDS = 0.005
# Every sender socket's high-water mark is a backstop only, and must not be small:
# the window (requests: every frame sent awaits its acknowledgement) or the
# trackers of ``PublishLink.wait_room`` bound what waits in ZeroMQ. libzmq's I/O
# thread tells the sending thread each time it has read half the mark's worth of
# messages, and the sending thread learns that room was made only from that note.
# With a mark of a few frames the note woke a sender waiting for its
# acknowledgement once per frame or two (two wake-ups per frame where one will
# do), and a publisher found its socket "full" for a third of its frames after
# their trackers had said they were written out, dropping them at saturation.
_SNDHWM = 1000


@dataclass(frozen=True, slots=True)
class SenderLinkSpec:
    protocol: str
    address: str
    port: str
    pattern: int
    #: Frames a publisher (pattern 2) lets wait inside ZeroMQ; in patterns 0/1
    #: the sender's window bounds them.
    queue: int
    #: Secure Mode: this sender's CURVE keys and the hub's public key.
    curve: Curve | None = None
    #: Reach the hub through this SSH server.
    tunnel: SshTunnelConfig | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply body; ``tag`` is the request's tag (pattern 1) or None (pattern 0)."""

    tag: int | None
    parts: list[bytes]

    @property
    def refused(self) -> bool:
        """The hub answered with an empty reply: it dropped the frame as invalid."""
        return len(self.parts) == 1 and len(self.parts[0]) == 0


@dataclass(frozen=True, slots=True)
class HubLost:
    """Returned instead of a reply when the connection to the hub closed while waiting."""


HUB_LOST = HubLost()


class SenderLink:
    """Common lifecycle: one socket and its monitor, reopened from scratch by ``reset()``."""

    kind: int
    options: LinkOptions

    def __init__(self, spec: SenderLinkSpec, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        self.spec = spec
        self._context = context
        self.where = endpoint(spec.protocol, spec.address, spec.port)
        self._tunnel: SshTunnel | None = None
        if spec.tunnel is not None:
            self._tunnel = _open_tunnel(spec, spec.tunnel)
            self.where = endpoint("tcp", "127.0.0.1", self._tunnel.local_port)
        try:
            self._sock = self._open()
        except BaseException:
            if self._tunnel is not None:
                self._tunnel.close()
            raise

    def _open(self) -> zmq.Socket[bytes]:
        sock = open_socket(self._context, self.kind, connect=self.where, options=self.options)
        try:
            self._monitor = Monitor(sock)
        except BaseException:
            sock.close(linger=0)
            raise
        self._connections: set[int] = set()
        self._refusal: str | None = None
        self._poller = zmq.Poller()
        self._poller.register(sock, zmq.POLLIN)
        self._poller.register(self._monitor.socket, zmq.POLLIN)
        return sock

    def _read_events(self) -> bool:
        """Read connection events; True if the last connection to the hub just closed."""
        lost = False
        for event in self._monitor.read():
            if event.kind is PeerEventKind.OPENED:
                self._connections.add(event.connection)
            elif event.kind is PeerEventKind.CLOSED:
                self._connections.discard(event.connection)
                lost = not self._connections
            elif event.kind is PeerEventKind.DENIED:
                self._refusal = (
                    "the hub refused this server's key (is its .key in the hub's public_keys?)"
                )
            elif self.spec.curve is not None and self._refusal is None:
                # A refused secure handshake looks like "no hub" from here.
                self._refusal = (
                    "the secure handshake failed (does this server have the hub's public key?)"
                )
        return lost

    def _hub_lost(self) -> bool:
        return self._read_events()

    def handshake_failure(self) -> str | None:
        """Why the hub refused the last secure handshake, if it did (Secure Mode only)."""
        self._read_events()
        why, self._refusal = self._refusal, None
        return why

    def _close_socket(self, linger: int) -> None:
        self._monitor.close()
        self._sock.close(linger=linger)

    def _wait(self, event: int, timeout: float) -> bool:
        """Whether ``event`` (POLLIN/POLLOUT) is ready, waiting up to ``timeout`` seconds.

        Asks the socket first: that is one call, where a poll builds a poller (this
        runs several times per frame).
        """
        if ready_events(self._sock) & event:
            return True
        return timeout > 0 and bool(self._sock.poll(int(timeout * 1000), event))

    def reset(self) -> None:
        """Drop the socket and everything queued in it, and connect afresh (Lazy Pirate)."""
        self._close_socket(0)
        self._sock = self._open()

    def close(self, linger: float = 0.0) -> None:
        """Close, giving ZeroMQ up to ``linger`` seconds to flush what is queued."""
        if not self._sock.closed:
            self._close_socket(int(linger * 1000))
        if self._tunnel is not None:
            self._tunnel.close()

    @property
    def tunnel(self) -> SshTunnel | None:
        return self._tunnel

    def _send(
        self, parts: Sequence[Payload | zmq.Frame], *, copy: bool, wait_sent: float | None
    ) -> bool:
        """Queue one message without blocking; False if ZeroMQ cannot take it now.

        With ``wait_sent``, also wait up to that many seconds until ZeroMQ no longer
        needs the frame's memory (the caller may then reuse its buffer).
        """
        try:
            tracker = send_parts(self._sock, parts, copy=copy, track=wait_sent is not None)
        except zmq.Again:
            return False
        except zmq.ZMQError as exc:
            raise TransportError(f"could not send to {self.where}: {exc}") from exc
        if wait_sent is not None and tracker is not None:
            try:
                tracker.wait(wait_sent)
            except zmq.NotDone:
                raise TransportError(f"the frame was not sent within {wait_sent} s") from None
        return True


class RequestLink(SenderLink):
    """Patterns 0 (PAIR) and 1 (DEALER speaking REQ's envelope)."""

    def __init__(self, spec: SenderLinkSpec, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        self.kind = zmq.DEALER if spec.pattern == 1 else zmq.PAIR
        # IMMEDIATE: queue nothing towards a hub that is not connected, so that
        # "not writable" means "no hub" and frames are dropped and counted, not hoarded.
        self.options = LinkOptions(sndhwm=_SNDHWM, immediate=True, curve=spec.curve)
        super().__init__(spec, context)

    def wait_ready(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until a hub is connected and can take a request."""
        return self._wait(POLLOUT, timeout)

    def send(
        self, parts: Sequence[Payload], *, tag: int, copy: bool, wait_sent: float | None = None
    ) -> bool:
        if self.spec.pattern == 1:
            parts = [tag.to_bytes(_TAG_BYTES, "big"), b"", *parts]
        return self._send(parts, copy=copy, wait_sent=wait_sent)

    def send_tracked(self, parts: Sequence[Payload], *, tag: int) -> zmq.MessageTracker | None:
        """Queue a message without blocking; None if no hub can take it now. The tracker
        tells when libzmq has written the message out, and with it, in order, every
        message queued before it."""
        if self.spec.pattern == 1:
            parts = [tag.to_bytes(_TAG_BYTES, "big"), b"", *parts]
        try:
            return _send_tracked(self._sock, parts)
        except zmq.Again:
            return None
        except zmq.ZMQError as exc:
            raise TransportError(f"could not send to {self.where}: {exc}") from exc

    def recv_reply(self, timeout: float) -> Reply | HubLost | None:
        """The next reply; ``HUB_LOST`` as soon as the hub's connection closes (its
        replies will never come); None if nothing came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        readable = ready_events(self._sock) & POLLIN
        # A look (timeout 0) does not read connection events: they can wait for a wait.
        while not readable:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            # The poll says which socket woke it: the monitor is read only when it
            # has news, and a reply needs no second look (both once per frame).
            ready = dict(self._poller.poll(max(1, int(remaining * 1000))))
            if self._monitor.socket in ready and self._hub_lost():
                return HUB_LOST
            readable = self._sock in ready
        try:
            frames = recv_parts(self._sock)
        except zmq.ZMQError as exc:
            raise TransportError(f"could not receive from {self.where}: {exc}") from exc
        if frames is None:
            return None  # readable a moment ago; gone since (the socket was reset)
        parts = [frame.bytes for frame in frames]
        if self.spec.pattern != 1:
            return Reply(None, parts)
        if len(parts) < 3 or len(parts[0]) != _TAG_BYTES or len(parts[1]) != 0:
            raise WireError("reply without the request's tag and delimiter")
        return Reply(int.from_bytes(parts[0], "big"), parts[2:])


class PublishLink(SenderLink):
    """Pattern 2: XPUB, so we know when a subscriber is there and when its queue is full."""

    kind = zmq.XPUB

    def __init__(self, spec: SenderLinkSpec, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        # XPUB_VERBOSE: libzmq otherwise keeps a dead hub's subscription and hides
        # the same subscription from its restarted successor.
        self.options = LinkOptions(
            sndhwm=_SNDHWM, xpub_nodrop=True, xpub_verbose=True, curve=spec.curve
        )
        #: Whether a hub is connected and subscribed.
        self.subscribed = False
        #: Trackers of the frames ZeroMQ has not written out yet, oldest first.
        self._unsent: deque[zmq.MessageTracker] = deque()
        super().__init__(spec, context)

    def reset(self) -> None:
        super().reset()
        self.subscribed = False
        self._unsent.clear()

    def wait_room(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s until fewer than ``queue`` frames wait inside ZeroMQ.

        XPUB reports no POLLOUT for a full queue, and a send that finds it full has
        already cost an encoding: publishers that outran their hub used to spend a
        core encoding frames only to drop them. Waiting on the tracker of the oldest
        frame still queued blocks on an event instead, until libzmq has written it out.
        """
        deadline = time.monotonic() + timeout
        while self._unsent and (self._unsent[0].done or len(self._unsent) >= self.spec.queue):
            try:
                self._unsent[0].wait(max(0.0, deadline - time.monotonic()))
            except zmq.NotDone:
                return False
            self._unsent.popleft()
        return True

    def wait_ready(self, timeout: float) -> bool:
        """Read pending subscription events; wait up to ``timeout`` s while nobody is subscribed."""
        deadline = time.monotonic() + timeout
        while True:
            if self._hub_lost():
                self.subscribed = False
            wait = 0.0 if self.subscribed else max(0.0, deadline - time.monotonic())
            if not self._wait(POLLIN, wait):
                return self.subscribed
            event = self._sock.recv()
            if event[:1] in (b"\x00", b"\x01"):
                self.subscribed = event[:1] == b"\x01"

    def send(self, parts: Sequence[Payload], *, copy: bool, wait_sent: float | None = None) -> bool:
        *head, last = parts
        # A zero-copy frame of our own, whatever its size, so that its tracker tells
        # when libzmq has written it out (see wait_room).
        frame = zmq.Frame(last, track=True, copy=False)
        if not self._send([*head, frame], copy=False, wait_sent=wait_sent):
            return False
        tracker = frame.tracker
        del frame  # our reference would hold the tracker back
        if tracker is not None:
            self._unsent.append(tracker)
        return True

    def send_final(self, parts: Sequence[Payload], timeout: float) -> bool:
        """Publish a last message and wait, up to ``timeout`` s, until it has left the process.

        PUB sockets drop what does not fit, which is how vidgear loses most of its
        goodbyes; here the message is retried while the hub's queue is full, and the
        tracker of a zero-copy frame tells when libzmq has written it out.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                tracker = _send_tracked(self._sock, parts)
                break
            except zmq.Again:
                if time.monotonic() >= deadline:
                    return False
                # XPUB signals no POLLOUT for a full subscriber queue: look again shortly.
                time.sleep(_FULL_RETRY_SECONDS)
        try:
            tracker.wait(max(0.0, deadline - time.monotonic()))
        except zmq.NotDone:
            return False
        return True


def _send_tracked(sock: zmq.Socket[bytes], parts: Sequence[Payload]) -> zmq.MessageTracker:
    """Send without blocking (``zmq.Again`` if the socket cannot take it), the last part
    as a zero-copy frame of our own, whose tracker tells when libzmq has written it out."""
    *head, last = parts
    final = zmq.Frame(bytes(last), track=True, copy=False)
    sock.send_multipart([*head, final], zmq.NOBLOCK, copy=False)
    # The frame object holds its own reference to the message: drop it, or the
    # tracker would wait for our reference instead of libzmq's.
    tracker: zmq.MessageTracker | None = final.tracker
    del final
    if tracker is None:
        raise TypeError("a tracked frame has a tracker")  # an internal invariant
    return tracker


def _open_tunnel(spec: SenderLinkSpec, tunnel: SshTunnelConfig) -> SshTunnel:
    if spec.protocol != "tcp" or not spec.port.isdigit():
        raise ConfigError(
            f"ssh_tunnel_mode needs protocol 'tcp' and a numeric port, got "
            f"{spec.protocol!r} and {spec.port!r}"
        )
    return SshTunnel(tunnel, spec.address, int(spec.port))


def open_link(
    spec: SenderLinkSpec, context: zmq.Context[zmq.Socket[bytes]]
) -> RequestLink | PublishLink:
    if spec.pattern == 2:
        return PublishLink(spec, context)
    return RequestLink(spec, context)
