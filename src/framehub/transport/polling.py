"""What every receiving link does between polls: wait for its sockets, its wake socket
or its clock, and read a ready socket in batches.

Shared by ``HubLink`` and ``SubscriberLink``, which differ only in what a message
means once read.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import zmq

from .sockets import POLLIN, ready_events, recv_parts

__all__ = ["BATCH", "TICK_SECONDS", "LinkPoller", "drain"]

#: How often the sink's clock advances while nothing arrives (quiet/gone detection).
TICK_SECONDS = 0.25
#: Messages read from one socket before looking at the others, so no port starves.
BATCH = 8


def drain(sock: zmq.Socket[bytes], handle: Callable[[list[zmq.Frame]], bool]) -> bool:
    """Hand ``handle`` up to ``BATCH`` messages waiting on ``sock``; False as soon as
    it returns False (the socket must wait: read nothing more from it)."""
    for index in range(BATCH):
        # The poll said the first message is there; for the next ones ask the
        # socket, which is cheaper than the exception a receive finding none raises.
        if index and not ready_events(sock) & POLLIN:
            return True
        parts = recv_parts(sock)
        if parts is None:
            return True
        if not handle(parts):
            return False
    return True


class LinkPoller:
    """Polls a link's sockets beside the driver's ``wake`` socket, and keeps its clock."""

    def __init__(self, wake: zmq.Socket[bytes]) -> None:
        self._wake = wake
        self._poller = zmq.Poller()
        self._poller.register(wake, zmq.POLLIN)
        self._next_tick = time.monotonic()
        #: Every socket ever registered (read or held now) and its file descriptor,
        #: noted on the constructing thread, and which of them are read now.
        self._fds: dict[zmq.Socket[bytes], int] = {wake: wake.FD}
        self._reading: set[zmq.Socket[bytes]] = set()

    def register(self, sock: zmq.Socket[bytes]) -> None:
        self._poller.register(sock, zmq.POLLIN)
        self._reading.add(sock)
        if sock not in self._fds:
            self._fds[sock] = sock.FD

    def unregister(self, sock: zmq.Socket[bytes]) -> None:
        self._poller.unregister(sock)
        self._reading.discard(sock)

    def fds(self) -> list[int]:
        """The file descriptors an event loop watches to know when to poll: libzmq's
        signal of each socket (wake included). Edge-like: one turns readable when
        something happens on its socket, and stays so only until the socket is asked."""
        return list(self._fds.values())

    def settled(self) -> bool:
        """Whether no socket being read has a message waiting now. Asks every socket
        (those held too), which also quiets the file descriptors of ``fds()``."""
        settled = True
        for sock in self._fds:
            if ready_events(sock) & POLLIN and (sock in self._reading or sock is self._wake):
                settled = False
        return settled

    def poll(self, timeout: float | None) -> tuple[list[zmq.Socket[bytes]], bool]:
        """Wait until the next tick (or ``timeout`` s if sooner) for something to read;
        the sockets ready, and whether ``wake`` was."""
        wait = max(0.0, self._next_tick - time.monotonic())
        if timeout is not None:
            wait = min(wait, timeout)
        ready = []
        woken = False
        for sock, _ in self._poller.poll(math.ceil(wait * 1000)):
            if sock is self._wake:
                woken = True
            else:
                ready.append(sock)
        return ready, woken

    def tick(self) -> float | None:
        """The time now if the clock is due to advance (it is then moved on), else None."""
        now = time.monotonic()
        if now < self._next_tick:
            return None
        self._next_tick = now + TICK_SECONDS
        return now
