"""Socket construction: endpoints, socket types per role, and every option set on purpose."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import zmq

from ..errors import ConfigError, TransportError

__all__ = [
    "POLLIN",
    "POLLOUT",
    "Curve",
    "LinkOptions",
    "curve_available",
    "endpoint",
    "open_socket",
    "ready_events",
    "recv_parts",
    "send_parts",
    "zmq_errors",
]

# ZMTP heartbeats are answered by libzmq itself on both ends (vidgear peers
# included), so they detect a dead peer without any change to the NetGear messages.
HEARTBEAT_IVL_MS = 1000
HEARTBEAT_TIMEOUT_MS = 2000
# A connection that has not completed the ZMTP handshake by then is dropped, so a
# port scanner cannot hold connections open (libzmq's default is 30 s).
HANDSHAKE_IVL_MS = 5000
# libzmq retries a lost connection after 100 ms, backing off to at most 1 s, so a
# hub that comes back is reached again within about a second.
RECONNECT_IVL_MS = 100
RECONNECT_IVL_MAX_MS = 1000
# libzmq closes a listening socket asynchronously, so a port closed a moment ago in
# this process can still be held for a few milliseconds (seen in 1-2% of rebinds):
# a hub restarted in place retries for a short while instead of failing.
REBIND_GRACE_SECONDS = 0.5
REBIND_RETRY_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class Curve:
    """CURVE encryption for one socket: its own key pair, Z85-encoded.

    The connecting end (a sender) names the hub's public key in ``server_key``;
    the binding end (a hub) leaves it None, acts as the CURVE server and has its
    handshakes checked by the ZAP handler under ``zap_domain``.
    """

    public: bytes
    secret: bytes = field(repr=False)
    server_key: bytes | None = None
    zap_domain: str = ""


def curve_available() -> bool:
    return bool(zmq.has("curve"))


@dataclass(frozen=True, slots=True)
class LinkOptions:
    """Socket options a role may need beyond the common ones."""

    sndhwm: int | None = None
    rcvhwm: int | None = None
    max_message_bytes: int | None = None
    immediate: bool = False
    subscribe: bool = False
    xpub_nodrop: bool = False
    curve: Curve | None = None
    xpub_verbose: bool = False
    #: Every subscribe and unsubscribe reaches the XPUB socket (counting subscribers).
    xpub_verboser: bool = False


# Plain ints: pyzmq turns every flag combination made of its enum members into a
# new enum object, eighteen of them per frame (benchmark profile of a sender).
_NOBLOCK = int(zmq.NOBLOCK)
_NOBLOCK_MORE = int(zmq.NOBLOCK | zmq.SNDMORE)
_EVENTS = int(zmq.EVENTS)
POLLIN = int(zmq.POLLIN)
POLLOUT = int(zmq.POLLOUT)


def ready_events(sock: zmq.Socket[bytes]) -> int:
    """What ``sock`` can do without waiting now (``POLLIN``/``POLLOUT`` bits); one call,
    where a poll would build a poller."""
    return int(sock.get(_EVENTS))


def send_parts(
    sock: zmq.Socket[bytes],
    parts: Sequence[bytes | bytearray | memoryview | zmq.Frame],
    *,
    copy: bool,
    track: bool = False,
) -> zmq.MessageTracker | None:
    """Send one multipart message without blocking (raises ``zmq.Again`` if it cannot).

    The header parts are small and copied; only the last (the frame) may go without
    a copy. A multipart message is all-or-nothing, so only the first part can fail.
    """
    *head, last = parts
    for part in head:
        sock.send(part, _NOBLOCK_MORE, copy=True)
    result = sock.send(last, _NOBLOCK, copy=copy, track=track)
    return result if isinstance(result, zmq.MessageTracker) else None


def recv_parts(sock: zmq.Socket[bytes]) -> list[zmq.Frame] | None:
    """Receive one multipart message without blocking; None if there is none."""
    try:
        part = sock.recv(_NOBLOCK, copy=False)
    except zmq.Again:
        return None
    parts = [part]
    # The part says whether more follow; ``sock.rcvmore`` would be a getsockopt
    # through pyzmq's attribute lookup for every part.
    while part.more:
        part = sock.recv(_NOBLOCK, copy=False)
        parts.append(part)
    return parts


def endpoint(protocol: str, address: str, port: int | str) -> str:
    """vidgear's endpoint form: ``protocol://address:port`` (for ipc the port ends the path)."""
    return f"{protocol}://{address}:{port}"


@contextmanager
def zmq_errors(action: str) -> Iterator[None]:
    """Turn a ZeroMQ error into framehub's own, saying what we were doing."""
    try:
        yield
    except zmq.ZMQError as exc:
        raise TransportError(f"could not {action}: {exc}") from exc


def open_socket(
    context: zmq.Context[zmq.Socket[bytes]],
    kind: int,
    *,
    bind: str | None = None,
    connect: str | None = None,
    options: LinkOptions = LinkOptions(),
) -> zmq.Socket[bytes]:
    """Create, configure and bind or connect one socket; on failure nothing is left open."""
    sock = context.socket(kind)
    try:
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.HEARTBEAT_IVL, HEARTBEAT_IVL_MS)
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS)
        sock.setsockopt(zmq.HANDSHAKE_IVL, HANDSHAKE_IVL_MS)
        sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX_MS)
        if options.sndhwm is not None:
            sock.setsockopt(zmq.SNDHWM, options.sndhwm)
        if options.rcvhwm is not None:
            sock.setsockopt(zmq.RCVHWM, options.rcvhwm)
        if options.max_message_bytes is not None:
            sock.setsockopt(zmq.MAXMSGSIZE, options.max_message_bytes)
        if options.immediate:
            sock.setsockopt(zmq.IMMEDIATE, 1)
        if options.subscribe:
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        if options.xpub_nodrop:
            sock.setsockopt(zmq.XPUB_NODROP, 1)
        if options.curve is not None:
            _set_curve(sock, options.curve)
        if options.xpub_verbose:
            sock.setsockopt(zmq.XPUB_VERBOSE, 1)
        if options.xpub_verboser:
            sock.setsockopt(zmq.XPUB_VERBOSER, 1)
        if bind is not None:
            _bind(sock, bind)
        if connect is not None:
            with zmq_errors(f"connect to {connect}"):
                sock.connect(connect)
    except BaseException:
        sock.close(linger=0)
        raise
    return sock


def _set_curve(sock: zmq.Socket[bytes], curve: Curve) -> None:
    """Set before bind/connect: libzmq fixes a connection's mechanism when it starts."""
    if not curve_available():
        raise ConfigError(
            "Secure Mode needs a libzmq built with CURVE support (libsodium or its "
            "built-in tweetnacl); this one has none: install pyzmq's wheels"
        )
    try:
        sock.setsockopt(zmq.CURVE_PUBLICKEY, curve.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, curve.secret)
        if curve.server_key is None:
            sock.setsockopt(zmq.ZAP_DOMAIN, curve.zap_domain.encode())
            sock.setsockopt(zmq.CURVE_SERVER, 1)
        else:
            sock.setsockopt(zmq.CURVE_SERVERKEY, curve.server_key)
    except zmq.ZMQError as exc:
        raise ConfigError(f"libzmq refused the CURVE keys: {exc}") from exc


def _bind(sock: zmq.Socket[bytes], where: str) -> None:
    deadline = time.monotonic() + REBIND_GRACE_SECONDS
    while True:
        try:
            sock.bind(where)
            return
        except zmq.ZMQError as exc:
            if exc.errno == zmq.EADDRINUSE and time.monotonic() < deadline:
                time.sleep(REBIND_RETRY_SECONDS)
                continue
            if exc.errno == zmq.EADDRINUSE:
                raise TransportError(f"cannot bind {where}: the address is already in use") from exc
            if exc.errno in (zmq.EINVAL, zmq.EPROTONOSUPPORT):
                raise ConfigError(
                    f"address/port do not form a valid endpoint to bind: {where!r} ({exc})"
                ) from exc
            raise TransportError(f"cannot bind {where}: {exc}") from exc
