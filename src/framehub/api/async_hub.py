"""The receiving end for asyncio code: a ``Hub`` whose consumer is a coroutine."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

import numpy as np

from ..errors import PeerTimeout, WireError
from ..session import Pace, ServerStatus, SessionEvent
from ..transport import Context
from ..wire import JSONValue
from .config import HubConfig
from .decoding import Pending
from .frame import Frame
from .hub import Hub
from .loop_driving import LoopDriving
from .loop_wake import LoopWaker
from .reception import NotYet

__all__ = ["AsyncHub"]

log = logging.getLogger(__name__)

#: Longest single wait for a decoding worker (see ``_decode_off_loop``).
_DECODE_SLICE = 1.0


class AsyncHub:
    """A ``Hub`` for asyncio: the same config, sockets, ``Frame``s, policies and
    freshness, with ``recv()`` a coroutine that never blocks the event loop.

    ``async with AsyncHub(HubConfig(ports=[5566])) as hub: async for frame in hub: ...``

    It is a ``Hub`` driven from a loop: while a coroutine waits in ``recv()``, the
    loop's thread receives frames itself, in short turns that never wait, whenever
    the sockets' file descriptors turn readable (see ``loop_driving``); the hub's own
    I/O thread takes over while the loop leaves them alone (no coroutine waits, or
    the loop is busy) and then wakes a waiting coroutine with ``call_soon_threadsafe``. A JPEG frame
    not yet decoded ahead is decoded on the loop's default executor, never on the
    loop's thread.

    A cancelled ``recv()`` loses nothing: cancelled while waiting, it took no frame;
    cancelled while its frame was decoding, the frame is delivered by the next
    ``recv()``. Construct it in or out of a coroutine (binding is immediate); close
    it with ``await aclose()`` (or ``async with``), which waits off the loop, at
    most ``close_timeout``.
    """

    def __init__(self, config: HubConfig, *, context: Context[Any] | None = None) -> None:
        self._hub = Hub(config, context=context)
        self._reception = self._hub._reception
        self._decoder = self._hub._decoder
        #: Frames taken for a recv() cancelled while they decoded, delivered first.
        self._put_back: deque[tuple[str, Pending]] = deque()
        #: The loop that drives the sockets, from the first recv() on it.
        self._driving: LoopDriving | None = None

    @property
    def config(self) -> HubConfig:
        return self._hub.config

    @property
    def id(self) -> str:
        """The hub's id, as in its acknowledgements."""
        return self._hub.id

    async def recv(self, timeout: float | None = None) -> Frame | None:
        """The next frame; None once the stream is over or the hub is closed.

        Waits up to ``timeout`` seconds (forever if None), then raises ``PeerTimeout``.
        A failure of the I/O thread is raised here.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            taken = await self._take(loop, deadline)
            if taken is None:
                return None
            frame = Frame(*taken, self._decoder)
            if self._decoder.done(taken[1]):  # nothing to wait for: no hand-off
                error = _decode(frame) if self._decodes(taken[1]) else None
            else:
                error = await self._decoded(loop, frame, taken[1])
            if error is None:
                return frame
            self._reception.reject(frame.source, error)

    async def _take(
        self, loop: asyncio.AbstractEventLoop, deadline: float | None
    ) -> tuple[str, Pending] | None:
        if self._put_back:
            return self._put_back.popleft()
        driving = self._driven_by(loop)
        waker = LoopWaker(loop)
        ready = True
        while True:
            waker.arm()
            taken = self._reception.take_or_watch(waker, ready=ready)
            if taken is not NotYet.NOT_YET:
                return taken
            wait = None  # the hub's clock wakes the waker at least once a tick
            if deadline is not None:
                wait = deadline - loop.time()
                if wait <= 0:
                    raise PeerTimeout("no frame arrived within the timeout")
            driving.waiting += 1
            try:
                # Take the sockets now (whatever they hold calls the waker at once):
                # the I/O thread may have them, and have left a file descriptor quiet.
                driving.drive()
                await waker.wait(wait)
            finally:
                driving.waiting -= 1
            ready = False

    def _driven_by(self, loop: asyncio.AbstractEventLoop) -> LoopDriving:
        driving = self._driving
        if driving is None or driving.loop is not loop:
            if driving is not None:
                driving.stop()
            driving = self._driving = LoopDriving(self._hub._driver, loop)
            driving.start()
        return driving

    def _decodes(self, pending: Pending) -> bool:
        return self.config.decode or pending.ordered

    async def _decoded(
        self, loop: asyncio.AbstractEventLoop, frame: Frame, pending: Pending
    ) -> WireError | None:
        """Decode ``frame`` off the loop if it must be (the hub decodes, or it is an
        H.264 frame: waited for whatever ``decode`` says, as by ``Hub``); the error if
        it is corrupt (the caller drops and counts it). Cancelled, it puts the frame
        back."""
        if not self._decodes(pending):
            return None
        try:
            return await self._decode_off_loop(loop, frame, pending)
        except asyncio.CancelledError:
            self._put_back.appendleft((frame.source, pending))
            raise

    async def _decode_off_loop(
        self, loop: asyncio.AbstractEventLoop, frame: Frame, pending: Pending
    ) -> WireError | None:
        """Wait for the hub's worker decoding ``frame``, if one is; else decode it on
        the loop's default executor (a raw frame, or one decoded already, at once)."""
        decoder = self._decoder
        waker = LoopWaker(loop)
        waker.arm()
        if decoder.watch(pending, waker):
            # The slice only bounds each wait, as in ``DecodeAhead.result``: a hub
            # closed meanwhile may never have its queued decodes run.
            while decoder.working(pending) and not self._reception.closed:
                await waker.wait(_DECODE_SLICE)
                waker.arm()
        if decoder.done(pending):
            return _decode(frame)
        return await asyncio.shield(loop.run_in_executor(None, _decode, frame))

    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Frame]:
        while (frame := await self.recv()) is not None:
            yield frame

    async def events(self) -> AsyncIterator[SessionEvent]:
        """Session events (joined, quiet, gone, returned, ended, shared) as they happen,
        until the stream is over or the hub closes."""
        waker = LoopWaker(asyncio.get_running_loop())
        while True:
            waker.arm()
            events = self._reception.events_or_watch(waker)
            if events is None:
                return
            for event in events:
                yield event
            if not events:
                await waker.wait(None)

    def set_reply(self, data: JSONValue | np.ndarray[Any, Any]) -> None:
        """As ``Hub.set_reply``: bidirectional mode's data sent back from now on."""
        self._hub.set_reply(data)

    def status(self) -> tuple[ServerStatus, ...]:
        """Every server seen so far, with its state and counters."""
        return self._hub.status()

    @property
    def rejected(self) -> int:
        """Bad messages dropped so far, on every port."""
        return self._hub.rejected

    @property
    def pace(self) -> Pace:
        """What the consumer is doing as far as the hub can tell (see ``session.flow``)."""
        return self._hub.pace

    async def aclose(self) -> None:
        """Stop receiving and release every socket, waiting off the loop; returns within
        ``close_timeout``. Every ``recv()`` waiting returns None."""
        self._stop_driving()
        await asyncio.get_running_loop().run_in_executor(None, self._hub.close)

    def close(self) -> None:
        """``aclose()`` for code outside a coroutine; blocks up to ``close_timeout``."""
        self._stop_driving()
        self._hub.close()

    def _stop_driving(self) -> None:
        """Leave the sockets to the I/O thread, which closes them."""
        if self._driving is not None:
            self._driving.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _decode(frame: Frame) -> WireError | None:
    """Decode ``frame`` (on an executor thread); the error if it is corrupt."""
    try:
        frame.image  # noqa: B018 - cached on the frame
    except WireError as exc:
        return exc
    return None
