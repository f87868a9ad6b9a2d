"""framehub's AsyncHub, fed by the same native Senders as ``fh-native``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from framehub import AsyncHub, Frame, HubConfig

from .base import ADDRESS, Peer, StreamEnded, Wiring
from .base import Frame as Image
from .native import NativeServer

__all__ = ["ASYNC"]


class _Client:
    """Each ``recv()`` runs the loop until the hub's next frame, as an ``async for``
    over the hub would: the loop is idle only while the role's own code runs."""

    def __init__(self, wiring: Wiring) -> None:
        self._index = {str(port): i for i, port in enumerate(wiring.ports)}
        pattern: Any = wiring.pattern
        self._loop = asyncio.new_event_loop()
        self._hub = AsyncHub(HubConfig(ports=wiring.ports, address=ADDRESS, pattern=pattern))
        self._frames: AsyncIterator[Frame] = aiter(self._hub)

    def recv(self) -> tuple[int, float, int, Image]:
        try:
            frame = self._loop.run_until_complete(anext(self._frames))
        except StopAsyncIteration:
            raise StreamEnded from None
        message: Any = frame.message
        stamp, seq = message
        return self._index[frame.source], float(stamp), int(seq), frame.image


ASYNC = Peer(
    "fh-async",
    "framehub AsyncHub (asyncio), fed by fh-native's Senders",
    "framehub",
    _Client,
    NativeServer,
)
