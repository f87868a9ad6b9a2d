"""Deterministic synthetic camera frames for the benchmarks, identical for every peer.

The pictures come from framehub's own test pattern (``framehub.sources.render_cycle``):
smooth gradients, moving shapes and text, which JPEG-compress like real video. A short
cycle is precomputed per resolution so that generating frames costs nothing while a
cell is being measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from framehub.sources import render_cycle
from framehub.sources.testpattern import DEFAULT_CYCLE

__all__ = ["CYCLE", "make_frames"]

#: Frames in one cycle; see ``framehub.sources.testpattern.DEFAULT_CYCLE``.
CYCLE = DEFAULT_CYCLE


def make_frames(
    width: int, height: int, count: int = CYCLE, seed: int = 0
) -> list[np.ndarray[Any, Any]]:
    """Return ``count`` BGR uint8 frames of ``height`` x ``width``, C-contiguous.

    The same arguments always give byte-identical frames, so every peer streams the
    same pictures; ``seed`` shifts the shapes so that servers are not in lock-step.
    """
    return render_cycle((width, height), count, seed, label=f"framehub bench {width}x{height}")
