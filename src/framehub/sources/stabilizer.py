"""Video stabilisation with OpenCV: feature tracking and a smoothed camera trajectory."""

from __future__ import annotations

import logging
import math
from collections import deque
from enum import Enum, StrEnum

import cv2
import numpy as np

from ..errors import ConfigError, ConfigTypeError, UnsupportedOptionError
from .channel import Frame

__all__ = ["BORDER_TYPES", "Stabilizer", "StabilizerMode"]

logger = logging.getLogger(__name__)

#: vidgear's ``BORDER_TYPE`` names and the OpenCV border modes they select.
BORDER_TYPES = {
    "black": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT,
    "reflect_101": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_WRAP,
}

# Corner detection: 200 well-spread corners are plenty for a global motion fit, and
# cost about 2 ms on a 640x480 frame.
_MAX_CORNERS = 200
_CORNER_QUALITY = 0.01
_CORNER_DISTANCE = 30
# Fewer tracked points than this and the motion fit is not trusted (zero motion).
_MIN_POINTS = 6


class StabilizerMode(StrEnum):
    """vidgear's stabilisation algorithms (its ``STABILIZER_MODE`` option)."""

    #: The moving average of the camera's path over a sliding window: framehub's.
    ASW = "asw"
    #: vidgear's Kalman filter, which framehub does not implement.
    KALMAN = "kalman"

    @classmethod
    def resolve(cls, mode: object) -> StabilizerMode:
        """This enum or vidgear's (by value); KALMAN raises as unsupported.

        Anything else raises ``ConfigTypeError``, a ``TypeError`` as in vidgear.
        """
        value = mode.value if isinstance(mode, Enum) else None
        if value not in {member.value for member in cls}:
            raise ConfigTypeError(
                f"STABILIZER_MODE must be StabilizerMode.ASW (framehub's or vidgear's), "
                f"got {mode!r}"
            )
        chosen = cls(value)
        if chosen is cls.KALMAN:
            raise UnsupportedOptionError(
                "STABILIZER_MODE KALMAN is not supported; framehub's stabiliser is the "
                "moving-average one (StabilizerMode.ASW), tuned by SMOOTHING_RADIUS"
            )
        return chosen


def _gray(frame: Frame) -> Frame:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    if frame.shape[2] == 1:
        return frame[:, :, 0]
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


class Stabilizer:
    """Removes camera shake from a stream of frames.

    The motion between consecutive frames (translation and rotation) is measured by
    tracking corners with pyramidal Lucas-Kanade optical flow and fitting a partial
    affine transform with RANSAC. Summed, the motions give the camera's trajectory;
    its moving average over ``2 * smoothing_radius + 1`` frames is the intended path,
    and each frame is warped by the difference. Output therefore lags input by
    ``smoothing_radius`` frames: ``push()`` returns None while the window fills, and
    ``flush()`` returns the frames still held when the stream ends.

    ``border_size`` adds that many pixels on every side of the output, filled as
    ``border_type`` says (one of ``BORDER_TYPES``), so that shifted content is not cut
    off. With ``crop_n_zoom=True`` the border is instead cropped away: a margin of
    ``border_size`` pixels is removed and the frame scaled back to its size, which
    hides the uncovered edges. These are vidgear's ``SMOOTHING_RADIUS``,
    ``BORDER_SIZE``, ``BORDER_TYPE`` and ``CROP_N_ZOOM`` options. ``mode`` is
    vidgear's ``STABILIZER_MODE``: this is its ``StabilizerMode.ASW``, and
    ``stabilize()``/``clean()`` are vidgear's names for ``push()``/``reset()``.
    """

    def __init__(
        self,
        smoothing_radius: int = 25,
        border_size: int = 0,
        border_type: str = "black",
        crop_n_zoom: bool = False,
        *,
        mode: StabilizerMode | Enum = StabilizerMode.ASW,
    ) -> None:
        self.mode = StabilizerMode.resolve(mode)
        if not _is_int(smoothing_radius) or smoothing_radius < 1:
            raise ConfigError(f"SMOOTHING_RADIUS must be an int >= 1, got {smoothing_radius!r}")
        if not _is_int(border_size) or border_size < 0:
            raise ConfigError(f"BORDER_SIZE must be an int >= 0, got {border_size!r}")
        if border_type not in BORDER_TYPES:
            raise ConfigError(
                f"BORDER_TYPE must be one of {', '.join(BORDER_TYPES)}, got {border_type!r}"
            )
        if not isinstance(crop_n_zoom, bool):
            raise ConfigError(f"CROP_N_ZOOM must be True or False, got {crop_n_zoom!r}")
        if crop_n_zoom and border_size == 0:
            raise ConfigError("CROP_N_ZOOM=True needs BORDER_SIZE > 0: it is the margin cropped")
        self.smoothing_radius = smoothing_radius
        self.border_size = border_size
        self.border_type = border_type
        self.crop_n_zoom = crop_n_zoom
        self._border_mode = BORDER_TYPES[border_type]
        self.reset()

    def reset(self) -> None:
        """Forget every frame and the trajectory, as for a new stream."""
        self._pending: deque[Frame] = deque()
        # Trajectory of the last 2r+1 frames; _first is the stream index of _path[0].
        self._path: deque[tuple[float, float, float]] = deque(maxlen=2 * self.smoothing_radius + 1)
        self._first = 0
        self._count = 0
        self._emitted = 0
        self._prev_gray: Frame | None = None
        self._prev_points: Frame | None = None

    def push(self, frame: Frame) -> Frame | None:
        """Add the next frame; return the stabilised frame ``smoothing_radius`` back, if any."""
        if self.crop_n_zoom and 2 * self.border_size >= min(frame.shape[:2]):
            raise ConfigError(
                f"BORDER_SIZE={self.border_size} would crop away a whole frame of shape "
                f"{frame.shape}"
            )
        motion = self._track(frame)
        if self._path:
            x, y, a = self._path[-1]
            pose = (x + motion[0], y + motion[1], a + motion[2])
        else:
            pose = (0.0, 0.0, 0.0)
        if len(self._path) == self._path.maxlen:
            self._first += 1
        self._path.append(pose)
        self._pending.append(frame)
        self._count += 1
        if self._count - 1 - self._emitted >= self.smoothing_radius:
            return self._emit()
        return None

    def stabilize(self, frame: Frame) -> Frame | None:
        """vidgear's name for ``push()``."""
        return self.push(frame)

    def clean(self) -> None:
        """vidgear's name for ``reset()``."""
        self.reset()

    def flush(self) -> list[Frame]:
        """Return the frames still held, stabilised with the trajectory known so far."""
        frames = []
        while self._pending:
            frames.append(self._emit())
        return frames

    def _emit(self) -> Frame:
        index = self._emitted
        path = np.asarray(self._path, dtype=np.float64)
        lo = max(0, index - self.smoothing_radius) - self._first
        hi = min(self._count - 1, index + self.smoothing_radius) - self._first + 1
        correction = path[lo:hi].mean(axis=0) - path[index - self._first]
        self._emitted += 1
        return self._warp(self._pending.popleft(), *correction)

    def _track(self, frame: Frame) -> tuple[float, float, float]:
        gray = _gray(frame)
        prev_gray, prev_points = self._prev_gray, self._prev_points
        self._prev_gray = gray
        self._prev_points = cv2.goodFeaturesToTrack(
            gray, _MAX_CORNERS, _CORNER_QUALITY, _CORNER_DISTANCE, blockSize=3
        )
        if (
            prev_gray is None
            or prev_points is None
            or len(prev_points) < _MIN_POINTS
            or prev_gray.shape != gray.shape
        ):
            return (0.0, 0.0, 0.0)
        points, status, _err = cv2.calcOpticalFlowPyrLK(
            prev_gray, gray, prev_points, np.empty_like(prev_points)
        )
        tracked = status.ravel() == 1
        if int(tracked.sum()) < _MIN_POINTS:
            return (0.0, 0.0, 0.0)
        matrix, _inliers = cv2.estimateAffinePartial2D(prev_points[tracked], points[tracked])
        if matrix is None:
            return (0.0, 0.0, 0.0)
        return (
            float(matrix[0, 2]),
            float(matrix[1, 2]),
            math.atan2(float(matrix[1, 0]), float(matrix[0, 0])),
        )

    def _warp(self, frame: Frame, dx: float, dy: float, da: float) -> Frame:
        cos, sin = math.cos(da), math.sin(da)
        border = self.border_size
        height, width = frame.shape[:2]
        if border and not self.crop_n_zoom:
            frame = cv2.copyMakeBorder(
                frame, border, border, border, border, self._border_mode, value=0
            )
            # The same motion, expressed about the padded frame's origin.
            dx += border - (cos * border - sin * border)
            dy += border - (sin * border + cos * border)
        matrix = np.array([[cos, -sin, dx], [sin, cos, dy]], dtype=np.float64)
        size = (frame.shape[1], frame.shape[0])
        mode = cv2.BORDER_CONSTANT if self.crop_n_zoom else self._border_mode
        warped = cv2.warpAffine(frame, matrix, size, borderMode=mode, borderValue=0)
        if self.crop_n_zoom:
            cropped = warped[border : height - border, border : width - border]
            warped = cv2.resize(cropped, (width, height), interpolation=cv2.INTER_LINEAR)
        return warped


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
