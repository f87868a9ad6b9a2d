"""A live montage: one labelled tile per server, kept in place as servers come and go."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .layout import MontageLayout
from .tiles import Frame, draw_placeholder, draw_text_bar, fit_into, text_bar_height, to_bgr8

__all__ = ["LiveMontage", "TileInfo"]


@dataclass(frozen=True, slots=True)
class TileInfo:
    """What the montage shows for one server; plain data that the caller fills in.

    ``frame`` is the server's latest frame (None before the first one); ``fps`` and
    ``message`` (the last data it sent, as text) go into the tile's label. ``quiet``
    marks a server that stopped sending: its tile keeps its place but shows a
    placeholder instead of a stale frame.
    """

    frame: Frame | None = None
    fps: float | None = None
    message: str | None = None
    quiet: bool = False
    #: The tile's title; None: the server id.
    title: str | None = None


class LiveMontage:
    """Renders a dict of server id -> ``TileInfo`` into one BGR image.

    Each server gets a tile of ``tile_size`` (width, height) whose place is stable
    (see ``MontageLayout``): it keeps it while other servers join or leave, and a
    server that leaves and returns gets it back when it is still free. Frames of any
    size are scaled to fit with their aspect ratio kept; grayscale, BGRA and non-uint8
    frames are converted. Each tile is labelled with the server id (or its title) and
    fps above the picture and the last message below it. Cells with no server are black.
    """

    def __init__(self, tile_size: tuple[int, int] = (320, 240), columns: int | None = None):
        if (
            not isinstance(tile_size, tuple | list)
            or len(tile_size) != 2
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 16 for v in tile_size
            )
        ):
            raise ConfigError(
                f"tile_size must be (width, height), each an int >= 16, got {tile_size!r}"
            )
        self.tile_size = (tile_size[0], tile_size[1])
        self.layout = MontageLayout(columns)

    def render(self, tiles: Mapping[Hashable, TileInfo]) -> Frame:
        """Draw every server in ``tiles``; servers absent from it lose their tile."""
        positions = self.layout.update(tiles)
        rows, columns = self.layout.shape
        width, height = self.tile_size
        canvas = np.zeros((rows * height, columns * width, 3), dtype=np.uint8)
        for key, info in tiles.items():
            row, column = positions[key]
            cell = canvas[row * height : (row + 1) * height, column * width : (column + 1) * width]
            self._draw(cell, str(key), info)
        return canvas

    def _draw(self, cell: Frame, name: str, info: TileInfo) -> None:
        image = None if info.frame is None else to_bgr8(info.frame)
        if info.quiet:
            draw_placeholder(cell, "no signal")
        elif info.frame is None:
            draw_placeholder(cell, "waiting for frames")
        elif image is None:
            draw_placeholder(cell, f"cannot show shape {info.frame.shape}")
        else:
            # Between the two label bars, so that no label covers the picture.
            bar = text_bar_height(cell)
            fit_into(cell[bar : cell.shape[0] - bar], image)
        rate = "" if info.fps is None else f"{info.fps:.1f} fps"
        draw_text_bar(cell, info.title or name, rate)
        if info.message:
            draw_text_bar(cell, info.message, bottom=True)
