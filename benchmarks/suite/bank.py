"""The servers' frames, rendered once per size by the runner and mapped by every server.

Each distinct cycle is written to a file in ``/dev/shm`` (memory, not disk) and a
server maps it read-only: 32 servers share one copy, start at once, and none of
them, nor the client, inherits the runner's heap (see ``processes``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..frames import make_frames
from .peers.base import Frame

__all__ = ["FrameBank", "FrameCycle"]

_SHM = Path("/dev/shm")


@dataclass(frozen=True, slots=True)
class FrameCycle:
    """One server's frames: a file of ``count`` frames, sent from ``shift`` on, round and round."""

    path: str
    count: int
    height: int
    width: int
    shift: int

    def load(self) -> list[Frame]:
        """The frames, as read-only views of the mapped file (no copy)."""
        frames = np.memmap(
            self.path, dtype=np.uint8, mode="r", shape=(self.count, self.height, self.width, 3)
        )
        order = [(self.shift + i) % self.count for i in range(self.count)]
        return [frames[i].view(np.ndarray) for i in order]


class FrameBank:
    """Eight distinct cycles, each server starting at its own point of one: 32 servers
    never send in lock-step, yet a 1080p bank is 400 MB, not 1.6 GB. Only the current
    size is kept; ``close()`` removes the files."""

    DISTINCT = 8

    def __init__(self) -> None:
        self._size: tuple[int, int] | None = None
        self._files: dict[int, tuple[str, int]] = {}
        self._dir = Path(
            tempfile.mkdtemp(prefix="framehub-bench-", dir=_SHM if _SHM.is_dir() else None)
        )

    def for_server(self, size: tuple[int, int], index: int) -> FrameCycle:
        if size != self._size:
            self._clear()
            self._size = size
        seed, shift = index % self.DISTINCT, index // self.DISTINCT
        if seed not in self._files:
            self._files[seed] = self._write(size, seed)
        path, count = self._files[seed]
        width, height = size
        return FrameCycle(path, count, height, width, shift % count)

    def _write(self, size: tuple[int, int], seed: int) -> tuple[str, int]:
        frames = make_frames(*size, seed=seed)
        path = self._dir / f"{size[0]}x{size[1]}-{seed}.raw"
        with open(path, "wb") as file:
            for frame in frames:
                file.write(np.ascontiguousarray(frame, dtype=np.uint8).data)
        return str(path), len(frames)

    def _clear(self) -> None:
        for path, _ in self._files.values():
            Path(path).unlink(missing_ok=True)
        self._files = {}

    def close(self) -> None:
        self._clear()
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)  # not empty: somebody else's files; leave them
