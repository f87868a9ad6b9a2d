"""Stable placement of tiles in a grid: a server keeps its cell as others come and go."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from ..errors import ConfigError

__all__ = ["MontageLayout", "shell_position"]

# Departed keys whose cell is remembered, so that a server that returns gets it back.
_REMEMBERED = 256


def shell_position(slot: int) -> tuple[int, int]:
    """The (row, column) of ``slot`` when cells fill ever larger squares.

    Slot 0 is the top-left cell; slots 1-3 complete the 2x2 square, 4-8 the 3x3 one,
    and so on. A slot's cell does not depend on how many slots are in use, so the grid
    can grow without moving any tile.
    """
    if slot < 0:
        raise ValueError("slot must be >= 0")
    side = math.isqrt(slot)
    offset = slot - side * side
    if offset <= side:
        return (offset, side)
    return (side, 2 * side - offset)


class MontageLayout:
    """Assigns each key (a server id) a fixed cell of a grid.

    ``update(keys)`` gives keys seen before the cell they had, frees the cells of keys
    that are gone, and gives new keys the lowest free slot (a key that returns gets its
    old slot back if it is still free). With ``columns=None`` slots fill growing squares
    (see ``shell_position``); with a number, rows of that many columns. Either way no
    key moves while it stays. Plain logic: no drawing, no clock.
    """

    def __init__(self, columns: int | None = None) -> None:
        if columns is not None and (
            isinstance(columns, bool) or not isinstance(columns, int) or columns < 1
        ):
            raise ConfigError(f"columns must be None or an int >= 1, got {columns!r}")
        self.columns = columns
        self._slots: dict[Hashable, int] = {}
        self._former: OrderedDict[Hashable, int] = OrderedDict()

    def position(self, slot: int) -> tuple[int, int]:
        """The (row, column) of a slot in this layout."""
        if self.columns is None:
            return shell_position(slot)
        return divmod(slot, self.columns)

    def update(self, keys: Iterable[Hashable]) -> dict[Hashable, tuple[int, int]]:
        """Place exactly ``keys`` and return each one's (row, column)."""
        wanted = list(dict.fromkeys(keys))
        present = set(wanted)
        for key in [k for k in self._slots if k not in present]:
            self._former[key] = self._slots.pop(key)
            self._former.move_to_end(key)
            if len(self._former) > _REMEMBERED:
                self._former.popitem(last=False)
        taken = set(self._slots.values())
        for key in wanted:
            if key in self._slots:
                continue
            slot = self._former.pop(key, None)
            if slot is None or slot in taken:
                slot = next(s for s in range(len(taken) + 1) if s not in taken)
            self._slots[key] = slot
            taken.add(slot)
        return {key: self.position(self._slots[key]) for key in wanted}

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the smallest grid holding every placed key; at least one row."""
        cells = [self.position(slot) for slot in self._slots.values()]
        rows = max((row for row, _ in cells), default=0) + 1
        if self.columns is not None:
            return (rows, self.columns)
        return (rows, max((column for _, column in cells), default=0) + 1)
