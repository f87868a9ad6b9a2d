"""The montage stream: every server's newest frame in one labelled image, rendered once
for all its viewers, at a capped rate, and only while someone watches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from ..api import Frame, ServerState, ServerStatus
from ..errors import WireError
from ..montage import LiveMontage, TileInfo
from ..wire import Payload
from .broadcast import Broadcaster, to_jpeg
from .store import FrameStore

__all__ = [
    "MONTAGE",
    "MontageFeed",
    "grid_columns",
    "montage_tiles",
    "ordered_servers",
    "tile_label",
]

log = logging.getLogger(__name__)

#: Longest wait between checks of ``closing`` and of the viewer count.
_WAIT = 1.0
#: What montage viewers follow (``Broadcaster.subscribe``): no server id looks like it.
MONTAGE = "#montage"


def ordered_servers(
    expected: Sequence[str], statuses: Sequence[ServerStatus], others: Iterable[str] = ()
) -> list[str]:
    """Every server to show: the expected ones in their given order, then others as seen
    (``statuses`` order), then any left in ``others`` (sorted).

    An order that only ever grows at its end keeps every tile where it was.
    """
    return list(dict.fromkeys([*expected, *(s.source for s in statuses), *sorted(others)]))


def grid_columns(expected: Sequence[str]) -> int | None:
    """Columns for a montage of ``expected`` servers: the smallest square grid that holds
    them, filled row by row, or None (squares that grow, see ``shell_position``) when
    the servers are not known beforehand. Either way no tile ever moves."""
    return math.ceil(math.sqrt(len(expected))) if expected else None


def tile_label(status: ServerStatus | None) -> str:
    """The bottom line of a montage tile: state, latency and the last message."""
    if status is None:
        return "waiting"
    parts = [] if status.state is ServerState.STREAMING else [status.state.value.upper()]
    if len(status.shared) > 1:
        parts.append(f"PORT SHARED by {len(status.shared)} servers")
    if status.latency_p50 is not None:
        parts.append(f"p50 {1000 * status.latency_p50:.0f} ms")
    if status.last_message is not None:
        parts.append(str(status.last_message))
    return "  ".join(parts)


def _thumbnail(frame: Frame, size: tuple[int, int]) -> np.ndarray[Any, Any] | None:
    try:
        return frame.thumbnail(*size)
    except WireError:
        return None


class MontageFeed:
    """Renders the montage (``LiveMontage``) of a store at most ``fps`` times a second."""

    def __init__(
        self,
        broadcaster: Broadcaster,
        executor: Executor,
        expected: Sequence[str] = (),
        *,
        tile_size: tuple[int, int] = (320, 240),
        fps: float = 10.0,
    ) -> None:
        self._broadcaster = broadcaster
        self._store: FrameStore = broadcaster.store
        self._executor = executor
        self._expected = tuple(expected)
        self._montage = LiveMontage(tile_size, grid_columns(self._expected))
        self._period = 1.0 / fps
        self._viewers = 0
        self._task: asyncio.Task[None] | None = None
        self.version = 0
        self.jpeg: Payload = b""

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Keep the montage rendering while inside."""
        self._viewers += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            yield
        finally:
            self._viewers -= 1

    async def newer(self, seen: int) -> tuple[int, Payload] | None:
        """The current montage if it is newer than version ``seen``."""
        return (self.version, self.jpeg) if self.version != seen else None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        rendered = -1
        with self._broadcaster.subscribe() as changes:
            while self._viewers and not self._broadcaster.closing:
                version = self._store.version
                if version == rendered:
                    await changes.wait(_WAIT)
                    continue
                rendered = version
                try:
                    self.jpeg = await loop.run_in_executor(self._executor, self._render)
                except RuntimeError:  # the executor shut down: the server is closing
                    return
                self.version += 1
                self._broadcaster.notify(MONTAGE)
                # A rate cap, not a poll: the next render waits for both time and a change.
                await asyncio.sleep(self._period)

    def _render(self) -> Payload:
        _, statuses = self._store.statuses()
        frames = {source: latest.frame for source, latest in self._store.frames().items()}
        tiles = montage_tiles(self._expected, statuses, frames, self._montage.tile_size)
        return to_jpeg(self._montage.render(tiles))


def montage_tiles(
    expected: Sequence[str],
    statuses: Sequence[ServerStatus],
    frames: Mapping[str, Frame],
    tile_size: tuple[int, int],
) -> dict[Hashable, TileInfo]:
    """One ``TileInfo`` per server, in a stable order, with frames decoded at tile size."""
    by_source = {s.source: s for s in statuses}
    tiles: dict[Hashable, TileInfo] = {}
    for source in ordered_servers(expected, statuses, frames):
        status = by_source.get(source)
        frame = frames.get(source)
        tiles[source] = TileInfo(
            frame=None if frame is None else _thumbnail(frame, tile_size),
            fps=None if status is None else status.fps,
            message=tile_label(status),
            quiet=status is not None and status.state is not ServerState.STREAMING,
            title=None if status is None else status.label,
        )
    return tiles
