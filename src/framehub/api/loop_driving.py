"""An event loop driving a hub's sockets itself, in short turns that never wait.

A coroutine woken from the hub's I/O thread pays a thread hand-off per frame (a
``call_soon_threadsafe``, and the two threads taking turns at the GIL). Instead,
while a coroutine waits for frames, the loop's own thread receives them: it watches
the link's file descriptors (libzmq's signals, ``SocketDriver.fds``) with
``add_reader`` and, each time one turns readable, takes a non-blocking turn at the
sockets (``SocketDriver.drive_ready``), as a threaded ``recv()`` does through
``pump``. While none waits, a turn only quiets the file descriptors (``quiet``).

The I/O thread still takes over whenever the loop has not driven for
``TAKEOVER_SECONDS`` (no coroutine waits, or the loop is busy), so replies and
the clock never depend on the loop. When the loop finds it driving, it asks it to
yield without waiting, and takes its turn when called back.
"""

from __future__ import annotations

import asyncio
import contextlib

from ..transport import Driven, SocketDriver

__all__ = ["LoopDriving"]


class LoopDriving:
    """A driver's sockets watched and driven by one event loop, from ``start()`` (on the
    loop's thread) until ``stop()``.

    While another thread drives, the loop stops watching (until it is called back, or
    the next wait): it could not quiet the file descriptors (only the thread driving
    may ask the sockets), and the loop's selector, level-triggered, would call it back
    at once, again and again.
    """

    def __init__(self, driver: SocketDriver, loop: asyncio.AbstractEventLoop) -> None:
        self._driver = driver
        self.loop = loop
        self._fds: list[int] = []
        #: Whether the loop watches the file descriptors now.
        self._watching = False
        #: The thread driving was asked to yield, and has not called back yet.
        self._asked = False
        #: Stopped: watch nothing again.
        self._stopped = False
        #: Coroutines waiting for frames now (``AsyncHub`` counts them).
        self.waiting = 0

    def start(self) -> None:
        """Watch the sockets (on the loop's thread)."""
        self._fds = self._driver.fds()
        self._watch()

    def stop(self) -> None:
        """Stop watching, before the sockets close: at once from the loop's thread (or
        with the loop not running), else scheduled on the loop."""
        self._stopped = True
        if self.loop.is_closed():
            self._watching = False  # its selector is gone, and watches nothing
            return
        if self.loop.is_running() and not _running(self.loop):
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._unwatch)
            return
        self._unwatch()

    def drive(self) -> None:
        """One non-blocking turn at the sockets (on the loop's thread): receiving while a
        coroutine waits, as a threaded ``recv()`` does only while it waits (reading
        ahead of the consumer would fill the hub's queue and hold senders back); else
        only quieting the file descriptors, and what is there waits for the next wait
        or for the I/O thread."""
        if self._asked or self._stopped:
            return  # the thread asked to yield calls back once it has
        if not self.waiting:
            self._quiet()
            return
        self._watch()
        outcome = self._driver.drive_ready(self._yielded)
        if outcome is Driven.ASKED:
            self._asked = True
            self._unwatch()
        elif outcome is Driven.MORE:
            self.loop.call_soon(self.drive)
        elif outcome is Driven.STOPPED:
            self.stop()

    def _quiet(self) -> None:
        outcome = self._driver.quiet()
        if outcome is Driven.BUSY:
            # The thread driving reads everything: watch again at the next wait.
            self._unwatch()
        elif outcome is Driven.STOPPED:
            self.stop()

    def _yielded(self) -> None:
        """Called by the thread that let the sockets go, on its own thread."""
        with contextlib.suppress(RuntimeError):  # a closed loop has nothing to drive
            self.loop.call_soon_threadsafe(self._take_turn)

    def _take_turn(self) -> None:
        self._asked = False
        self.drive()

    def _watch(self) -> None:
        if self._watching or self._stopped:
            return
        for fd in self._fds:
            self.loop.add_reader(fd, self.drive)
        self._watching = True

    def _unwatch(self) -> None:
        if not self._watching:
            return
        for fd in self._fds:
            self.loop.remove_reader(fd)
        self._watching = False


def _running(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether ``loop`` runs on this thread now."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
