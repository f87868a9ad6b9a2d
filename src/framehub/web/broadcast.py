"""The event-loop side of the store: wake viewers on change, JPEG-encode each frame once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

import numpy as np

from ..api import Frame
from ..codecs import JpegEncoder
from ..montage.tiles import draw_placeholder, to_bgr8
from ..wire import Payload
from .store import FrameStore, Latest

__all__ = ["Broadcaster", "Subscription", "to_jpeg"]

#: Quality of frames that arrive raw and of montages: the browser's view, not an archive.
JPEG_QUALITY = 85
_ENCODER = JpegEncoder(JPEG_QUALITY, "BGR", fastdct=True)


def to_jpeg(image: np.ndarray[Any, Any]) -> Payload:
    """Encode any frame a hub may deliver; one that is not an image becomes a placeholder."""
    bgr = to_bgr8(image)
    if bgr is None:
        bgr = np.zeros((240, 320, 3), dtype=np.uint8)
        draw_placeholder(bgr, f"cannot show {image.dtype} {image.shape}")
    return _ENCODER.encode(bgr).payload


def _frame_jpeg(frame: Frame) -> Payload:
    return to_jpeg(frame.image)


class Subscription:
    """One viewer's wake-up call: set by changes to what it follows, and by ``poke()``."""

    def __init__(self, source: str | None) -> None:
        #: The server followed; None: every server, and status updates.
        self.source = source
        self._event = asyncio.Event()

    def poke(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Return after the next change (or one that came since the last wait), or ``timeout``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):  # unlike wait_for(), no task per wait
                await self._event.wait()
        self._event.clear()


class Broadcaster:
    """Relays store changes to coroutines on ``loop``, at most one hop in flight at a time.

    The store's publisher thread only notes which server changed and schedules a
    wake-up (``call_soon_threadsafe`` never blocks), and schedules none while one is
    pending, so a busy or stalled loop cannot make the hub wait or pile up callbacks.
    """

    def __init__(self, store: FrameStore, loop: asyncio.AbstractEventLoop, executor: Executor):
        self.store = store
        self.closing = False
        self._loop = loop
        self._executor = executor
        self._subscribers: set[Subscription] = set()
        self._changed_sources: set[str | None] = set()
        self._pending = False
        #: Guards the two above, shared with the publisher's thread (held for a swap only).
        self._lock = threading.Lock()
        self._encoded: dict[str, tuple[int, asyncio.Future[Payload]]] = {}
        self._unwatch = store.watch(self._changed)

    def _changed(self, source: str | None) -> None:
        with self._lock:
            self._changed_sources.add(source)
            if self._pending:
                return
            self._pending = True
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        with self._lock:
            self._pending = False
            changed, self._changed_sources = self._changed_sources, set()
        for subscription in self._subscribers:
            if subscription.source is None or subscription.source in changed:
                subscription.poke()

    def notify(self, source: str | None = None) -> None:
        """Wake, on the loop's thread, who follows ``source`` (None: every subscriber)."""
        for subscription in self._subscribers:
            if source is None or subscription.source in (None, source):
                subscription.poke()

    @contextlib.contextmanager
    def subscribe(self, source: str | None = None) -> Iterator[Subscription]:
        """Wake-ups for changes of ``source``'s frames (None: of anything)."""
        subscription = Subscription(source)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    @property
    def viewers(self) -> int:
        return len(self._subscribers)

    async def jpeg(self, source: str, latest: Latest) -> Payload:
        """The frame as JPEG: its bytes as received, or encoded once for every viewer."""
        received = latest.frame.jpeg
        if received is not None:
            return received
        cached = self._encoded.get(source)
        if cached is None or cached[0] != latest.version:
            future = self._loop.run_in_executor(self._executor, _frame_jpeg, latest.frame)
            cached = (latest.version, future)
            self._encoded[source] = cached
        # Shielded: a viewer that leaves must not cancel the encoding the others await.
        return await asyncio.shield(cached[1])

    def close(self) -> None:
        """Stop relaying; wake every subscriber so that each sees ``closing``."""
        self.closing = True
        self._unwatch()
        self.notify()
