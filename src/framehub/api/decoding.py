"""JPEG decoding on worker threads, a few frames ahead of the consumer.

simplejpeg releases the GIL while libjpeg-turbo works, so two workers decode two
frames at once; decoding ahead also overlaps it with the consumer's own work.
Only a few frames are decoded ahead (``depth``), so memory stays bounded however
many servers are queued, and little work is wasted on frames a "latest" policy
drops later.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any

import numpy as np

from ..codecs import decode_frame
from ..wire import FramePacket, Limits

__all__ = ["DecodeAhead", "Pending", "default_workers"]

#: Longest single wait for a decode: bounds the wait, not the decode.
_WAIT_SLICE = 1.0


def default_workers() -> int:
    """One decoding thread per core, at most four (more only add contention)."""
    return min(4, os.cpu_count() or 1)


@dataclass(slots=True, eq=False)
class Pending:
    """A received frame on its way to the consumer."""

    packet: FramePacket
    received_at: float
    #: Held from the moment a worker is given the frame until its decode is over.
    busy: threading.Lock | None = field(default=None)
    image: np.ndarray[Any, Any] | None = field(default=None)
    error: Exception | None = field(default=None)
    #: Dropped by a policy: a worker that has not begun skips it.
    cancelled: bool = field(default=False)
    #: Called by the worker once it is done with the frame (``DecodeAhead.watch``).
    notify: Callable[[], None] | None = field(default=None)
    #: An H.264 frame, decoded in order by its server's lane (``api.lanes``), not
    #: by the workers here; ``busy`` is then held until the lane has decoded it (and
    #: the lane calls ``notify`` as a worker does).
    ordered: bool = field(default=False)

    def decoding(self) -> bool:
        """Whether a worker has been given this frame to decode (ahead of its turn:
        the delivery queue keeps such a frame rather than waste the work)."""
        return self.busy is not None and not self.ordered


class DecodeAhead:
    """Starts decodes for queued frames; the hub calls ``start``, ``taken`` and
    ``dropped`` holding its lock, and a consumer ``result`` without it.

    The hand-off is a C queue to the workers and a C lock per frame back: the
    ``concurrent.futures`` machinery it replaces notified a Python ``Condition``
    per frame, which was the costliest call of a saturated JPEG hub (benchmark
    profile: over a third of the samples holding the GIL).
    """

    def __init__(self, workers: int, *, fastdct: bool, fastupsample: bool, limits: Limits) -> None:
        self._fastdct = fastdct
        self._fastupsample = fastupsample
        self._limits = limits
        self._workers = workers
        self._jobs: SimpleQueue[Pending | None] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.depth = 2 * workers
        self._started = 0

    def start(self, pending: Pending) -> None:
        """Begin decoding ``pending`` if it is JPEG and fewer than ``depth`` are under way."""
        if (
            not self._workers
            or self._closed
            or pending.busy is not None
            or pending.packet.compression is None
            or self._started >= self.depth
        ):
            return
        if not self._threads:
            self._spawn()
        busy = threading.Lock()
        busy.acquire()
        pending.busy = busy
        self._jobs.put(pending)
        self._started += 1

    def _spawn(self) -> None:
        """Start the workers on the first JPEG frame: a raw-only hub never has them."""
        for index in range(self._workers):
            thread = threading.Thread(
                target=self._work, name=f"framehub-decode_{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def taken(self, pending: Pending) -> None:
        """The consumer took ``pending``: its decode no longer counts as ahead."""
        if pending.decoding():
            self._started -= 1

    def dropped(self, pending: Pending) -> None:
        """A policy dropped ``pending``: stop its decode if it has not begun (an H.264
        frame is decoded all the same, for the frames after it, but not converted)."""
        pending.cancelled = True
        if pending.decoding():
            self._started -= 1

    def done(self, pending: Pending) -> bool:
        """Whether ``result`` returns at once, with no JPEG decode (or H.264 lane's
        decode) left to wait for or do."""
        if pending.packet.compression is None and not pending.ordered:
            return True
        finished = pending.busy is not None and not self.working(pending)
        return finished and (pending.image is not None or pending.error is not None)

    def working(self, pending: Pending) -> bool:
        """Whether a worker has ``pending`` and has not finished with it."""
        busy = pending.busy
        return busy is not None and busy.locked()

    def watch(self, pending: Pending, notify: Callable[[], None]) -> bool:
        """Have ``notify`` called, on the worker's thread, once it is done with
        ``pending``; False if no worker is at it now (none was given it, or it is
        over already)."""
        pending.notify = notify
        return self.working(pending)

    def result(self, pending: Pending) -> np.ndarray[Any, Any]:
        """The decoded frame; raises ``WireError`` for a corrupt one. Call without the lock."""
        busy = pending.busy
        if busy is not None:
            # Decodes take milliseconds; the slice only bounds each wait. A hub closed
            # meanwhile may never have its queued decodes run: decode here then.
            while not busy.acquire(timeout=_WAIT_SLICE):
                if self._closed:
                    break
            else:
                busy.release()
                if pending.error is not None:
                    raise pending.error
                if pending.image is not None:
                    return pending.image
        return self._decode(pending.packet)

    def _work(self) -> None:
        while (pending := self._jobs.get()) is not None:
            try:
                if not (pending.cancelled or self._closed):
                    pending.image = self._decode(pending.packet)
            except Exception as exc:  # handed to the consumer, which raises it
                pending.error = exc
            finally:
                if pending.busy is not None:
                    pending.busy.release()
                if pending.notify is not None:
                    pending.notify()

    def _decode(self, packet: FramePacket) -> np.ndarray[Any, Any]:
        return self.decode(packet)

    def decode(
        self, packet: FramePacket, min_width: int = 0, min_height: int = 0
    ) -> np.ndarray[Any, Any]:
        """Decode on the calling thread, at a reduced scale if asked."""
        return decode_frame(
            packet,
            fastdct=self._fastdct,
            fastupsample=self._fastupsample,
            min_width=min_width,
            min_height=min_height,
            limits=self._limits,
        )

    def close(self) -> None:
        """Stop the workers once they have finished what is queued; does not wait."""
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
