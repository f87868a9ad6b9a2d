"""Hand-off of frames from one reader thread to the caller of ``read()``."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, TypeAlias

import numpy as np

__all__ = ["Frame", "FrameChannel"]

Frame: TypeAlias = np.ndarray[Any, Any]

# A producer waiting for room re-checks this often even without a notification, so a
# lost wake-up can cost at most this long; close() normally wakes it at once.
_PRODUCER_WAIT = 0.5


class FrameChannel:
    """A one-producer hand-off with two policies.

    ``ordered=True``: a FIFO of at most ``capacity`` frames; ``put`` blocks while it is
    full, so every frame is delivered, in order (files, URLs).
    ``ordered=False``: a single slot that ``put`` overwrites; ``get`` returns the newest
    frame and never the same one twice (live devices).

    ``finish()`` marks the end of the stream (``get`` drains what is left, then returns
    None); ``close()`` abandons it (``get`` and ``put`` return at once).
    """

    def __init__(self, *, ordered: bool, capacity: int = 1) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._ordered = ordered
        self._capacity = capacity if ordered else 1
        self._items: deque[Frame] = deque()
        self._cond = threading.Condition()
        self._finished = False
        self._closed = False
        self._producer_waiting = False

    def __len__(self) -> int:
        """Frames waiting to be read."""
        with self._cond:
            return len(self._items)

    @property
    def producer_waiting(self) -> bool:
        """Whether the producer is blocked in ``put()`` for want of room."""
        with self._cond:
            return self._producer_waiting

    def put(self, frame: Frame) -> bool:
        """Add a frame; False when the channel was closed (the producer should stop)."""
        with self._cond:
            while self._ordered and len(self._items) >= self._capacity and not self._closed:
                self._producer_waiting = True
                self._cond.wait(_PRODUCER_WAIT)
            self._producer_waiting = False
            if self._closed:
                return False
            if not self._ordered:
                self._items.clear()
            self._items.append(frame)
            self._cond.notify_all()
            return True

    def get(self, timeout: float) -> Frame | None:
        """Return the next frame, or None once the stream ended or the channel closed.

        Raises ``TimeoutError`` when no frame arrived within ``timeout`` seconds.
        """
        with self._cond:
            ready = self._cond.wait_for(
                lambda: bool(self._items) or self._finished or self._closed, timeout
            )
            if self._closed:
                return None
            if self._items:
                frame = self._items.popleft()
                self._cond.notify_all()
                return frame
            if ready:
                return None
            raise TimeoutError(f"no frame within {timeout} s")

    def finish(self) -> None:
        """The producer has no more frames; frames already queued are still delivered."""
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    def close(self) -> None:
        """Drop queued frames and wake every waiter; later calls return at once."""
        with self._cond:
            self._closed = True
            self._items.clear()
            self._cond.notify_all()
