"""A generated source: a moving, labelled test pattern at a steady frame rate."""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Self

import cv2
import numpy as np

from ..errors import ConfigError, SourceError
from .base import FrameSource
from .channel import Frame
from .options import check_positive, check_resolution, lifecycle_level

__all__ = ["DEFAULT_CYCLE", "TestPattern", "render_cycle"]

logger = logging.getLogger(__name__)

#: Frames in one precomputed cycle. Eight keeps a 32-camera demo's memory small
#: (8 x 0.9 MB per 640x480 camera) while JPEG sizes still vary from frame to frame.
DEFAULT_CYCLE = 8


def _background(width: int, height: int) -> Frame:
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    blue = 255.0 * (0.5 + 0.5 * np.sin(2.0 * math.pi * (x + 0.3 * y)))
    green = 255.0 * x * (1.0 - 0.5 * y)
    red = 255.0 * (1.0 - y) * (0.4 + 0.6 * x)
    return np.dstack([blue, green, red]).astype(np.uint8)


def render_cycle(
    resolution: tuple[int, int],
    count: int = DEFAULT_CYCLE,
    seed: int = 0,
    label: str = "framehub",
) -> list[Frame]:
    """Return ``count`` BGR uint8 frames of ``resolution`` (width, height), C-contiguous.

    Noise would make JPEG sizes unrealistically large and flat colour unrealistically
    small, so each frame mixes smooth gradients, moving shapes and text, like a camera
    looking at a scene with an overlay. The same arguments always give byte-identical
    frames; ``seed`` shifts the motion so that several sources are not in lock-step.
    The frames loop: the last one leads smoothly back to the first.
    """
    width, height = check_resolution("resolution", resolution)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"count must be an int >= 1, got {count!r}")
    base = _background(width, height)
    scale = width / 640.0
    thick = max(1, int(2 * scale))
    frames = []
    for i in range(count):
        phase = 2.0 * math.pi * (i + seed) / count
        frame = base.copy()
        cx = int(width * (0.5 + 0.3 * math.cos(phase)))
        cy = int(height * (0.5 + 0.3 * math.sin(phase)))
        cv2.circle(frame, (cx, cy), int(60 * scale), (30, 200, 240), -1, cv2.LINE_AA)
        x0 = int(width * (0.1 + 0.05 * math.sin(phase)))
        y0 = int(height * 0.6)
        cv2.rectangle(
            frame, (x0, y0), (x0 + int(160 * scale), y0 + int(90 * scale)), (200, 60, 40), -1
        )
        cv2.line(frame, (0, cy), (width - 1, height - cy), (255, 255, 255), thick + 1)
        cv2.putText(
            frame,
            label,
            (int(20 * scale), int(40 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.0 * scale,
            (255, 255, 255),
            thick,
            cv2.LINE_AA,
        )
        cv2.putText(
            frame,
            f"{width}x{height}  frame {i + 1}/{count}",
            (int(20 * scale), height - int(20 * scale)),
            cv2.FONT_HERSHEY_PLAIN,
            1.5 * scale,
            (0, 0, 0),
            thick,
        )
        frames.append(np.ascontiguousarray(frame))
    return frames


class TestPattern(FrameSource):
    """A generated camera with the gears' ``start/read/stop`` API.

    ``read()`` returns the frames of a cycle precomputed at construction (see
    ``render_cycle``), one per ``1/framerate`` seconds on a monotonic clock; it sleeps
    until the next frame is due and never spins. A caller that falls behind is not
    given a burst to catch up: the schedule restarts from now. ``framerate=0`` or None
    returns frames as fast as they are asked for (for benchmarks).

    Frames cost nothing per read because they are shared: they are read-only arrays,
    so copy one before drawing on it. ``read()`` returns None after ``stop()``.
    ``logging=True`` logs start and stop at INFO instead of DEBUG.
    """

    # pytest collects classes named Test*; this is not a test.
    __test__ = False

    def __init__(
        self,
        resolution: tuple[int, int] = (640, 480),
        framerate: float | None = 30,
        label: str = "framehub",
        *,
        cycle: int = DEFAULT_CYCLE,
        seed: int = 0,
        logging: bool = False,
    ) -> None:
        self.resolution = check_resolution("resolution", resolution)
        #: Frames per second; 0.0 means unpaced.
        self.framerate = 0.0 if not framerate else check_positive("framerate", framerate)
        if not isinstance(label, str):
            raise ConfigError(f"label must be a str, got {label!r}")
        frames = render_cycle(self.resolution, cycle, seed, label)
        for frame in frames:
            frame.flags.writeable = False
        self._frames = frames
        self._period = 1.0 / self.framerate if self.framerate else 0.0
        self._index = 0
        self._due = 0.0
        self._started = False
        self._stopped = threading.Event()
        self._level = lifecycle_level(logging)
        self._label = label

    def start(self) -> Self:
        if self._stopped.is_set():
            raise SourceError(f"TestPattern({self._label!r}) was stopped; create a new one")
        if not self._started:
            self._started = True
            self._due = time.monotonic()
            logger.log(
                self._level,
                "TestPattern(%r): started, %dx%d at %s fps",
                self._label,
                *self.resolution,
                self.framerate or "unpaced",
            )
        return self

    def read(self) -> Frame | None:
        if self._stopped.is_set():
            return None
        if not self._started:
            raise SourceError(f"TestPattern({self._label!r}): call start() before read()")
        if self._period:
            now = time.monotonic()
            if now < self._due:
                if self._stopped.wait(self._due - now):
                    return None
            elif now - self._due > self._period:
                # More than a frame behind: restart the schedule rather than burst.
                self._due = now
            self._due += self._period
        frame = self._frames[self._index]
        self._index = (self._index + 1) % len(self._frames)
        return frame

    def stop(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            logger.log(self._level, "TestPattern(%r): stopped", self._label)
