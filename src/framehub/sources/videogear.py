"""VideoGear: one front for CamGear and PiGear, with optional stabilisation."""

from __future__ import annotations

import logging
import warnings
from collections import deque
from enum import Enum, StrEnum
from typing import Any, Self

from ..errors import ConfigError, ConfigTypeError, UnsupportedOptionError
from .base import FrameSource
from .camgear import CamGear, Source
from .channel import Frame
from .options import lifecycle_level
from .pigear import PiGear
from .stabilizer import Stabilizer

__all__ = ["Backend", "VideoGear"]

logger = logging.getLogger(__name__)

_STABILIZER_OPTIONS = {
    "STABILIZER_MODE": "mode",
    "SMOOTHING_RADIUS": "smoothing_radius",
    "BORDER_SIZE": "border_size",
    "BORDER_TYPE": "border_type",
    "CROP_N_ZOOM": "crop_n_zoom",
}
#: vidgear's tuning of its Kalman mode, which the moving-average mode has no use for.
_KALMAN_OPTIONS = ("PROCESS_NOISE", "MEASUREMENT_NOISE")


class Backend(StrEnum):
    """The capture API behind a ``VideoGear`` (vidgear's ``api`` parameter)."""

    CAMGEAR = "camgear"
    PIGEAR = "pigear"


def _resolve_api(api: object, enable_pi_camera: bool | None) -> Backend:
    if enable_pi_camera is None:
        enable_pi_camera = False
    else:
        warnings.warn(
            "`enablePiCamera` is deprecated; use `api=Backend.PIGEAR` instead.",
            DeprecationWarning,
            stacklevel=3,
        )
    if not isinstance(enable_pi_camera, bool):
        raise ConfigError(f"enablePiCamera must be True or False, got {enable_pi_camera!r}")
    if api is None:
        return Backend.PIGEAR if enable_pi_camera else Backend.CAMGEAR
    # vidgear's own Backend enum is accepted too, by its value.
    name = api.value if isinstance(api, Enum) else None
    if name == "ffgear":
        raise UnsupportedOptionError("api=FFGEAR is not supported; use CAMGEAR or PIGEAR")
    if name not in {member.value for member in Backend}:
        raise ConfigTypeError(f"api must be Backend.CAMGEAR or Backend.PIGEAR, got {api!r}")
    backend = Backend(name)
    if enable_pi_camera and backend is not Backend.PIGEAR:
        raise ConfigError(f"enablePiCamera=True contradicts api={api!r}")
    return backend


class VideoGear(FrameSource):
    """vidgear's VideoGear: a CamGear (default) or a PiGear behind one API.

    ``enablePiCamera=True`` or ``api=Backend.PIGEAR`` selects PiGear (``camera_num``,
    ``resolution``, ``framerate``); otherwise CamGear (``source``, ``stream_mode``,
    ``backend``). ``colorspace``, ``logging``, ``time_delay`` and the remaining
    ``options`` go to the selected gear; the gear itself is the ``stream`` attribute.

    ``enablePiCamera`` is deprecated, as in vidgear 0.3.6, and warns so
    (``DeprecationWarning``). ``color_space`` is the selected gear's (settable while
    streaming).

    ``stabilize=True`` passes frames through a ``Stabilizer``, tuned by the options
    ``STABILIZER_MODE`` (``StabilizerMode.ASW``, the default, or vidgear's;
    its ``KALMAN`` raises ``UnsupportedOptionError``), ``SMOOTHING_RADIUS`` (default
    25), ``BORDER_SIZE`` (0), ``BORDER_TYPE`` ("black") and ``CROP_N_ZOOM`` (False).
    Stabilised output lags the source by ``SMOOTHING_RADIUS`` frames; at the end of
    a stream the held frames are still delivered before ``read()`` returns None.
    Stabiliser options without ``stabilize=True``, and vidgear's Kalman tuning
    (``PROCESS_NOISE``, ``MEASUREMENT_NOISE``), are logged as warnings and ignored.
    """

    def __init__(
        self,
        enablePiCamera: bool | None = None,
        stabilize: bool = False,
        camera_num: int = 0,
        resolution: tuple[int, int] = (640, 480),
        framerate: float = 30,
        source: Source = 0,
        stream_mode: bool = False,
        backend: int = 0,
        time_delay: float = 0,
        colorspace: str | int | None = None,
        logging: bool = False,
        api: Backend | Enum | None = None,
        **options: Any,
    ) -> None:
        chosen = _resolve_api(api, enablePiCamera)
        if not isinstance(stabilize, bool):
            raise ConfigError(f"stabilize must be True or False, got {stabilize!r}")
        options = {str(key).strip(): value for key, value in options.items()}
        tuning = {
            param: options.pop(key) for key, param in _STABILIZER_OPTIONS.items() if key in options
        }
        self._stabilizer = Stabilizer(**tuning) if stabilize else None
        ignored = [key for key in _KALMAN_OPTIONS if options.pop(key, None) is not None]
        if not stabilize:
            ignored += [key for key, param in _STABILIZER_OPTIONS.items() if param in tuning]
        for key in ignored:
            logger.warning(
                "VideoGear: option %s has no effect %s; ignored",
                key,
                "without stabilize=True" if not stabilize else "with the moving-average mode",
            )
        self._leftover: deque[Frame] = deque()
        self._draining = False
        self._stopped = False
        common: dict[str, Any] = {
            "colorspace": colorspace,
            "logging": logging,
            "time_delay": time_delay,
        }
        self.stream: CamGear | PiGear
        if chosen is Backend.PIGEAR:
            self.stream = PiGear(camera_num, resolution, framerate, **common, **options)
        else:
            self.stream = CamGear(source, stream_mode, backend, **common, **options)
        #: The frame rate of the gear in use (vidgear's attribute).
        self.framerate = self.stream.framerate
        logger.log(
            lifecycle_level(logging),
            "VideoGear: using %s%s",
            type(self.stream).__name__,
            " with stabilisation" if stabilize else "",
        )

    @property
    def color_space(self) -> int | None:
        """The selected gear's ``color_space``: set it to convert frames from now on."""
        return self.stream.color_space

    @color_space.setter
    def color_space(self, value: int | str | None) -> None:
        self.stream.color_space = value

    def start(self) -> Self:
        self.stream.start()
        return self

    def read(self) -> Frame | None:
        stabilizer = self._stabilizer
        if stabilizer is None:
            return self.stream.read()
        while not self._draining:
            frame = self.stream.read()
            if frame is None:
                if self._stopped:
                    return None
                self._draining = True
                self._leftover.extend(stabilizer.flush())
                break
            stable = stabilizer.push(frame)
            if stable is not None:
                return stable
        return self._leftover.popleft() if self._leftover else None

    def stop(self) -> None:
        self._stopped = True
        self.stream.stop()
        self._leftover.clear()
        if self._stabilizer is not None:
            self._stabilizer.reset()
