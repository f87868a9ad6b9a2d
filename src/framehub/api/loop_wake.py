"""Waking a coroutine from another thread without blocking either side.

The thread driving the hub's link calls a ``LoopWaker`` (holding the hub's lock, so
it must only hand off): from the hub's I/O thread, the waker schedules, with
``call_soon_threadsafe``, the resolution of the future its coroutine awaits; from
the loop's own thread (the loop driving, see ``loop_driving``) it resolves it at
once, with no hand-off. A waker that nobody awaits does nothing, so a busy stream
costs nothing while its consumer is not waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["LoopWaker"]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class LoopWaker:
    """One coroutine's wake-up: ``arm()`` then ``wait()`` on the loop, called from any thread.

    Arm it before registering it where it will be called, so that a call between
    the two is not missed. Make it on the loop's thread.
    """

    __slots__ = ("_future", "_loop", "_loop_thread")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._future: asyncio.Future[None] | None = None

    def arm(self) -> None:
        self._future = self._loop.create_future()

    def __call__(self) -> None:
        future = self._future
        if future is None or future.done():
            return
        if threading.get_ident() == self._loop_thread:
            _resolve(future)
            return
        # A closed loop has nobody left to wake.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, seconds: float | None) -> None:
        """Until called, or ``seconds`` pass (whichever is first). None: until called,
        for a waker that is known to be called regularly (a timer per wait costs a
        fifth of a hand-off, measured)."""
        future = self._future
        if future is None:
            return
        timer = None if seconds is None else self._loop.call_later(seconds, _resolve, future)
        try:
            await future
        finally:
            if timer is not None:
                timer.cancel()
            self._future = None
