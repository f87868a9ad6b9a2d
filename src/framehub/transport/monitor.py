"""Connection events of one socket (ZeroMQ's socket monitor), read without blocking.

They tell a hub at once that a server's connection dropped (a killed process's
kernel closes its TCP connection; a silent network is caught by the ZMTP
heartbeat), and a server that its hub went away, without any change to the
NetGear messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import zmq
from zmq.utils.monitor import recv_monitor_message

from .sockets import POLLIN, ready_events

__all__ = ["Monitor", "PeerEvent", "PeerEventKind"]


class PeerEventKind(Enum):
    #: A TCP/IPC connection was accepted (hub) or made (server).
    OPENED = "opened"
    #: The ZMTP handshake completed: a real ZeroMQ peer is there.
    READY = "ready"
    #: The connection closed, for whatever reason.
    CLOSED = "closed"
    #: The peer broke the ZMTP handshake.
    REFUSED = "refused"
    #: The peer's key (or address) was refused by authentication (Secure Mode).
    DENIED = "denied"
    #: The connection closed before its handshake completed: a peer that gave up at
    #: once, or one that sent bytes that are not ZMTP (libzmq cannot tell them apart).
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class PeerEvent:
    kind: PeerEventKind
    #: The connection's file descriptor for OPENED and CLOSED; 0 otherwise.
    connection: int


_KINDS: dict[int, PeerEventKind] = {
    zmq.EVENT_ACCEPTED: PeerEventKind.OPENED,
    zmq.EVENT_CONNECTED: PeerEventKind.OPENED,
    zmq.EVENT_HANDSHAKE_SUCCEEDED: PeerEventKind.READY,
    zmq.EVENT_DISCONNECTED: PeerEventKind.CLOSED,
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: PeerEventKind.ABORTED,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: PeerEventKind.REFUSED,
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: PeerEventKind.DENIED,
}
_MASK = sum(_KINDS)


class Monitor:
    """Watches ``sock``; ``socket`` may be polled for POLLIN alongside others."""

    def __init__(self, sock: zmq.Socket[bytes]) -> None:
        self._watched = sock
        self.socket: zmq.Socket[bytes] = sock.get_monitor_socket(_MASK)
        self.socket.setsockopt(zmq.LINGER, 0)

    def read(self) -> list[PeerEvent]:
        """Every event that has arrived, oldest first; never blocks."""
        events = []
        while ready_events(self.socket) & POLLIN:
            message = recv_monitor_message(self.socket)
            kind = _KINDS.get(int(message["event"]))
            if kind is not None:
                value = message["value"]
                connection = value if kind in (PeerEventKind.OPENED, PeerEventKind.CLOSED) else 0
                events.append(PeerEvent(kind, int(connection)))
        return events

    def close(self) -> None:
        """Stop watching; call before closing the watched socket."""
        if not self._watched.closed:
            self._watched.disable_monitor()
        self.socket.close(linger=0)
