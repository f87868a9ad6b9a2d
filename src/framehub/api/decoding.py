"""JPEG decoding on worker threads, a few frames ahead of the consumer.

simplejpeg releases the GIL while libjpeg-turbo works, so two workers decode two
frames at once; decoding ahead also overlaps it with the consumer's own work.
Only a few frames are decoded ahead (``depth``), so memory stays bounded however
many servers are queued, and little work is wasted on frames a "latest" policy
drops later.
"""

from __future__ import annotations

import os
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
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
    future: Future[np.ndarray[Any, Any]] | None = field(default=None)

    def decoding(self) -> bool:
        """Whether a worker has been given this frame to decode."""
        return self.future is not None


class DecodeAhead:
    """Starts decodes for queued frames; the hub calls ``start``/``forget`` under its lock."""

    def __init__(self, workers: int, *, fastdct: bool, fastupsample: bool, limits: Limits) -> None:
        self._fastdct = fastdct
        self._fastupsample = fastupsample
        self._limits = limits
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="framehub-decode") if workers else None
        )
        self.depth = 2 * workers
        self._started = 0

    def start(self, pending: Pending) -> None:
        """Begin decoding ``pending`` if it is JPEG and fewer than ``depth`` are under way."""
        if (
            self._pool is None
            or pending.future is not None
            or pending.packet.compression is None
            or self._started >= self.depth
        ):
            return
        pending.future = self._pool.submit(self._decode, pending.packet)
        self._started += 1

    def taken(self, pending: Pending) -> None:
        """The consumer took ``pending``: its decode no longer counts as ahead."""
        if pending.future is not None:
            self._started -= 1

    def dropped(self, pending: Pending) -> None:
        """A policy dropped ``pending``: stop its decode if it has not begun."""
        if pending.future is not None:
            pending.future.cancel()
            self._started -= 1

    def result(self, pending: Pending) -> np.ndarray[Any, Any]:
        """The decoded frame; raises ``WireError`` for a corrupt one. Call without the lock."""
        future = pending.future
        while future is not None:
            try:
                return future.result(_WAIT_SLICE)
            except FutureTimeout:
                continue  # decodes take milliseconds; this only bounds each wait
            except CancelledError:
                break  # the pool was shut down under us: decode here
        return self._decode(pending.packet)

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
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
