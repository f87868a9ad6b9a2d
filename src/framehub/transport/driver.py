"""Who drives a link's sockets, and when: the I/O thread, or a consumer waiting for frames.

A ``Drivable`` (the hub's link) is single-threaded: it is only ever touched by the
thread holding the driver lock. Two threads take turns at it:

- a consumer waiting in ``recv()`` drives it itself through ``pump()``, so a frame
  reaches it with no hand-off between threads (measurably cheaper per frame than
  a queue from an I/O thread);
- a consumer on an event loop, which must never wait, drives it in short
  non-blocking turns through ``drive_ready()`` whenever the loop sees one of the
  link's ``fds()`` turn readable (``AsyncHub``);
- the driver's own I/O thread (``framehub-hub-io``) takes over only when no consumer
  has driven for ``TAKEOVER_SECONDS``, so replies, connection events and the clock
  go on while the consumer is busy elsewhere or gone. A consumer that finds it
  driving asks it to yield. The I/O thread never blocks on the lock: it looks
  again a moment later, so a consumer receiving frame after frame never wakes it.

Other threads never touch the link: they ``post()`` work, which whoever drives
runs at once (a posted item wakes a blocking poll).

Lock order: the driver lock, then the hub's state lock (a link hands frames to the
hub while driving). A thread holding the hub's lock must release it before it
pumps or waits for the driver lock; posting needs neither.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from queue import Empty, SimpleQueue
from typing import Protocol

import zmq

from .sockets import open_socket

__all__ = ["TAKEOVER_SECONDS", "Drivable", "Driven", "SocketDriver"]

log = logging.getLogger(__name__)

#: How long the I/O thread leaves the sockets to a consumer that stopped pumping
#: (it is busy with a frame): replies wait at most about twice this.
TAKEOVER_SECONDS = 0.05
#: Longest a closing I/O thread waits for a consumer to finish its poll.
_CLOSE_WAIT = 5.0


class Drivable(Protocol):
    """A set of sockets driven by one thread at a time."""

    def cycle(self, timeout: float | None) -> bool:
        """Poll once (``timeout`` s at most; None: until the link's own next tick) and
        handle what is ready; True if the driver's wake socket was readable."""

    def close_sockets(self) -> None:
        """Close every socket (called once, by the I/O thread, as it stops)."""

    def fds(self) -> list[int]:
        """The file descriptors that turn readable when there may be something to do
        (libzmq's, edge-like: see ``settled``)."""

    def settled(self) -> bool:
        """Whether nothing is waiting to be read now; asking quiets ``fds()``."""


@dataclass(frozen=True, slots=True)
class _Yield:
    """Posted instead of work: a consumer wants the sockets. ``then`` (if any) is
    called, without the lock, by the thread that lets them go."""

    then: Callable[[], None] | None = None


class Driven(Enum):
    """What a turn of ``SocketDriver.drive_ready`` (or ``quiet``) did."""

    #: Everything ready was handled.
    SETTLED = auto()
    #: The turn ended with more ready: take another turn soon.
    MORE = auto()
    #: Another thread drives: it was asked to yield, and calls back once it has.
    ASKED = auto()
    #: Another thread drives (nothing was asked of it).
    BUSY = auto()
    #: The driver is stopping.
    STOPPED = auto()


def _ask_sockets(link: Drivable) -> Driven:
    link.settled()
    return Driven.SETTLED


class SocketDriver:
    """Owns the I/O thread, the driver lock, the posted work and the flags.

    Make it, give its ``wake`` socket to the link's poller, then ``start(link)``.
    ``on_failure`` is called (on the failing thread) if driving raises.
    """

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self._on_failure = on_failure
        self._lock = threading.Lock()
        self._work: SimpleQueue[Callable[[], None] | _Yield] = SimpleQueue()
        #: Callbacks of yield requests seen by whoever drives, called as it lets go.
        self._yielded: list[Callable[[], None]] = []
        #: Set by close(), read by both drivers; a plain flag, written once.
        self._stopping = False
        #: Whether a consumer is in pump() now, and when it last left it.
        self._pumping = False
        self._pumped_at = 0.0
        #: Set (by whoever drives) when a consumer asked the I/O thread for the sockets.
        self._yield_asked = False
        #: Wakes the I/O thread from its wait between looks (close()).
        self._attention = threading.Event()
        self._post_lock = threading.Lock()
        where = f"inproc://framehub-driver-{uuid.uuid4().hex}"
        #: Polled by the link beside its own sockets: readable when work was posted.
        self.wake = open_socket(context, zmq.PAIR, bind=where)
        self._poke = open_socket(context, zmq.PAIR, connect=where)
        self._link: Drivable | None = None
        self._thread: threading.Thread | None = None

    def start(self, link: Drivable) -> None:
        self._link = link
        self._thread = threading.Thread(
            target=self._run, args=(link,), name="framehub-hub-io", daemon=True
        )
        self._thread.start()

    def discard(self) -> None:
        """Release the wake sockets of a driver never started (the link failed to bind)."""
        self._poke.close(linger=0)
        self.wake.close(linger=0)

    # -- any thread -------------------------------------------------------------------

    def post(self, work: Callable[[], None]) -> None:
        """Run ``work`` on whichever thread drives the sockets next (at once if one does)."""
        self._work.put(work)
        self._poke_driver()

    def call(self, work: Callable[[], None]) -> None:
        """Run ``work`` on this thread if no other thread drives the sockets now (one
        lock, no poll), else post it to the one that does."""
        if not self._lock.acquire(blocking=False):
            self.post(work)
            return
        try:
            if self._stopping:
                return
            try:
                work()
            except Exception as exc:
                self._fail(exc)
        finally:
            self._lock.release()

    def pump(self, timeout: float) -> bool:
        """Drive the sockets from the calling thread until something arrives or
        ``timeout`` seconds pass; False if they could not be had in that time (the
        I/O thread did not yield) or the driver is stopping."""
        if not self._lock.acquire(blocking=False):
            if timeout <= 0:
                return False
            self._work.put(_Yield())
            self._poke_driver()
            if not self._lock.acquire(timeout=timeout):
                return False
            timeout = 0.0  # frames may have come meanwhile: let the caller look first
        try:
            if self._stopping or self._link is None:
                return False
            self._pumping = True
            try:
                self._cycle(self._link, timeout)
            except Exception as exc:
                self._fail(exc)
            finally:
                self._pumping = False
                self._pumped_at = time.monotonic()
            return True
        finally:
            self._let_go()

    def drive_ready(self, then: Callable[[], None]) -> Driven:
        """Without waiting: one poll of the sockets, handling what they have ready, on
        this thread (for a caller that must never block, such as an event loop woken by
        ``fds()``); ``MORE`` if more is ready: one turn reads what a ``pump`` would, so
        the consumer takes its frames between turns rather than the hub's queue filling
        up. If another thread drives the sockets, ask it to yield and return
        ``ASKED``: it calls ``then`` (on its own thread) once it has let go."""
        return self._turn(then, self._receive_ready)

    def quiet(self) -> Driven:
        """Without waiting and without reading anything: ask every socket, which quiets
        ``fds()`` until something new happens (for a loop that watches them while no
        consumer waits: what is ready waits for the next ``drive_ready``, or for the
        I/O thread). ``BUSY`` if another thread drives them (it reads what is there)."""
        return self._turn(None, _ask_sockets)

    def _turn(self, then: Callable[[], None] | None, turn: Callable[[Drivable], Driven]) -> Driven:
        """``turn`` at the sockets if they are free now; else ask for them if ``then``."""
        if not self._lock.acquire(blocking=False):
            if then is None:
                return Driven.BUSY
            self._post_yield(then)
            return Driven.ASKED
        try:
            link = self._link
            if self._stopping or link is None:
                return Driven.STOPPED
            try:
                return turn(link)
            except Exception as exc:
                self._fail(exc)
                return Driven.STOPPED
        finally:
            self._let_go()

    def _receive_ready(self, link: Drivable) -> Driven:
        self._pumping = True
        try:
            self._cycle(link, 0.0)
            return Driven.SETTLED if link.settled() else Driven.MORE
        finally:
            self._pumping = False
            self._pumped_at = time.monotonic()

    def _post_yield(self, then: Callable[[], None]) -> None:
        """Ask whoever drives to let go, and to call ``then`` once it has."""
        self._work.put(_Yield(then))
        self._poke_driver()

    def fds(self) -> list[int]:
        """The file descriptors to watch for ``drive_ready`` (the link's and the wake
        socket's); empty before ``start``."""
        return [] if self._link is None else self._link.fds()

    def close(self, timeout: float) -> bool:
        """Stop the I/O thread (which closes the link's sockets); False if not in time."""
        self._stopping = True
        self._poke_driver()
        self._attention.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        stopped = thread is None or not thread.is_alive()
        if not stopped:
            log.warning("hub I/O thread did not stop within %.1f s", timeout)
        with self._post_lock:
            self._poke.close(linger=0)
        return stopped

    def _poke_driver(self) -> None:
        """Wake whoever drives, without waiting: once the I/O thread has stopped and
        closed its end nobody reads, and a blocking send would wait for ever."""
        with self._post_lock:
            if self._poke.closed:
                return
            # A full wake socket holds pokes enough already: whoever drives will look.
            with contextlib.suppress(zmq.Again):
                self._poke.send(b"", zmq.NOBLOCK)

    # -- whoever drives (holding the lock) ----------------------------------------------

    def _cycle(self, link: Drivable, timeout: float | None) -> None:
        if link.cycle(timeout):
            self._run_posted()

    def _run_posted(self) -> None:
        while True:
            try:
                self.wake.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
        while True:
            try:
                work = self._work.get_nowait()
            except Empty:
                return
            if isinstance(work, _Yield):
                self._yield_asked = True
                if work.then is not None:
                    self._yielded.append(work.then)
            else:
                work()

    def _let_go(self) -> None:
        """Release the lock, then call back whoever asked for the sockets meanwhile."""
        yielded, self._yielded = self._yielded, []
        self._lock.release()
        for then in yielded:
            then()

    # -- the I/O thread ---------------------------------------------------------------

    def _run(self, link: Drivable) -> None:
        try:
            self._serve(link)
        except BaseException as exc:
            self._fail(exc)
        finally:
            if self._lock.acquire(timeout=_CLOSE_WAIT):
                link.close_sockets()
                self.wake.close(linger=0)
                self._lock.release()
            else:
                log.warning("hub sockets left open: a consumer kept them past %s s", _CLOSE_WAIT)

    def _fail(self, exc: BaseException) -> None:
        """Driving failed: tell the owner first (a consumer that then finds the driver
        stopping finds the error too), then stop."""
        log.error("hub I/O failed", exc_info=exc)
        self._on_failure(exc)
        self._stopping = True
        self._attention.set()

    def _serve(self, link: Drivable) -> None:
        """Drive the sockets whenever no consumer has pumped for ``TAKEOVER_SECONDS``."""
        while not self._stopping:
            idle = time.monotonic() - self._pumped_at
            if idle < TAKEOVER_SECONDS:
                self._attention.wait(TAKEOVER_SECONDS - idle)
            elif self._pumping or not self._lock.acquire(blocking=False):
                self._attention.wait(TAKEOVER_SECONDS)
            else:
                self._drive(link)

    def _drive(self, link: Drivable) -> None:
        """Drive (the lock is held) until stopping or a consumer asks for the sockets."""
        try:
            self._yield_asked = False
            while not (self._stopping or self._yield_asked):
                self._cycle(link, None)
        finally:
            self._let_go()
        if self._yield_asked:
            # The consumer that asked takes the sockets now; look again in a while.
            self._pumped_at = time.monotonic()
