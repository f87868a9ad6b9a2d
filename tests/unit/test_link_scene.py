"""The link benchmark's scene: every codec must be fed the very same frames, and a
camera's loop must not cut (a cut costs an inter-frame codec a keyframe each lap)."""

from __future__ import annotations

import numpy as np
import pytest

# The benchmarks are importable from the repository's root (``python -m pytest``).
scene = pytest.importorskip("benchmarks.link.scene")

SIZE = (96, 64)


def _step(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def test_the_same_arguments_render_the_same_bytes_and_cameras_differ() -> None:
    first = scene.render(SIZE, camera=1, count=3)
    assert first.shape == (3, SIZE[1], SIZE[0], 3) and first.dtype == np.uint8
    assert np.array_equal(first, scene.render(SIZE, camera=1, count=3))
    assert not np.array_equal(first, scene.render(SIZE, camera=2, count=3))


def test_a_camera_loops_without_a_cut() -> None:
    frames = scene.render(SIZE, camera=0, count=scene.CYCLE + 1, noise=0.0)
    steps = [_step(frames[i], frames[i + 1]) for i in range(scene.CYCLE)]
    assert min(steps) > 0  # always moving
    # One lap on, the view is back where it started.
    assert _step(frames[scene.CYCLE], frames[0]) < 0.25 * float(np.median(steps))
