"""The sending end for asyncio code: a ``Sender`` on a thread of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from types import TracebackType
from typing import Any, Self, TypeVar

import numpy as np

from ..errors import ConfigError
from ..transport import Context
from ..wire import JSONValue
from .config import SenderConfig
from .sender import ReplyData, Sender, SenderStats

__all__ = ["AsyncSender"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class AsyncSender:
    """A ``Sender`` for asyncio: the same config, wire and counters, with ``send()`` a
    coroutine that never blocks the event loop.

    ``async with AsyncSender(SenderConfig(port=5566)) as sender: await sender.send(image)``

    The sender lives on one thread of its own, which runs every call in the order
    they were made: encoding (JPEG costs milliseconds) and waiting for the hub's
    acknowledgements both happen there, and the coroutine is woken when its call is
    over. A thread rather than pyzmq's asyncio sockets, so that the window, the
    retries and the statistics are ``Sender``'s own and the loop never encodes
    (see ``benchmarks/async_sender.py`` for what the hand-off costs).

    A cancelled ``send()`` that had not started is not sent (as if never called);
    one already under way completes, and is counted in ``stats``, like any other.
    ``aclose()`` (or leaving ``async with``) drops the calls not started, lets the
    one under way finish (at most ``request_timeout``), then closes the sender (at
    most ``close_timeout``).
    """

    def __init__(self, config: SenderConfig, *, context: Context[Any] | None = None) -> None:
        self.config = config
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="framehub-async-sender")
        self._calls: set[Future[Any]] = set()
        self._closed = False
        # Made on its thread: a pattern-2 sender waits there for the hub's subscription.
        self._opening: Future[Sender] = self._submit(partial(Sender, config, context=context))

    def _submit(self, call: Callable[..., T], *args: Any) -> Future[T]:
        future = self._thread.submit(call, *args)
        self._calls.add(future)
        future.add_done_callback(self._calls.discard)
        return future

    async def _call(self, name: str, call: Callable[[Sender], T]) -> T:
        """Run ``call`` on the sender's thread, after every call made before it."""
        if self._closed:
            raise ConfigError(f"{name}() on a closed sender")
        sender = await self._opened()
        return await asyncio.wrap_future(self._submit(call, sender))

    async def _opened(self) -> Sender:
        """The sender, once made; a cancelled caller does not cancel its making."""
        if self._opening.done():
            return self._opening.result()
        return await asyncio.shield(asyncio.wrap_future(self._opening))

    async def send(self, image: np.ndarray[Any, Any], message: JSONValue = None) -> None:
        """Send one frame; returns once it is queued (and, with a full window, acknowledged)."""
        await self._call("send", lambda sender: sender.send(image, message))

    async def request(self, image: np.ndarray[Any, Any], message: JSONValue = None) -> ReplyData:
        """Bidirectional mode: send one frame and return the hub's reply data for it."""
        return await self._call("request", lambda sender: sender.request(image, message))

    @property
    def stats(self) -> SenderStats | None:
        """The sender's counters; None until it is open (``async with``, or a first send)."""
        if not self._opening.done() or self._opening.exception() is not None:
            return None
        return self._opening.result().stats

    async def aclose(self) -> None:
        """Drop the calls not started, finish the one under way, say goodbye to the hub
        and release the socket; bounded by ``request_timeout`` plus ``close_timeout``."""
        if self._closed:
            return
        self._closed = True
        for call in list(self._calls):
            if call is not self._opening:
                call.cancel()  # only those not started yet
        closing = self._thread.submit(self._close)
        self._thread.shutdown(wait=False)
        await asyncio.shield(asyncio.wrap_future(closing))

    def _close(self) -> None:
        if self._opening.exception() is None:
            self._opening.result().close()

    async def __aenter__(self) -> Self:
        try:
            await self._opened()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
