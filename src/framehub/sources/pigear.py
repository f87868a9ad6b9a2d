"""PiGear: Raspberry Pi camera modules through picamera2, or the legacy picamera."""

from __future__ import annotations

import importlib
import logging
import time
from types import ModuleType
from typing import Any

from ..errors import ConfigError, MissingPackageError
from .base import ThreadedSource
from .channel import Frame
from .options import (
    check_non_negative,
    check_positive,
    check_resolution,
    reject_unknown,
    resolve_colorspace,
    take_bool,
    take_positive,
)
from .pi_legacy import LEGACY_OPTIONS, LegacyCamera, take_legacy_options
from .pi_picamera2 import PICAMERA2_OPTIONS, Picamera2Camera, Picamera2Options

__all__ = ["PiGear"]

logger = logging.getLogger(__name__)

#: Seconds without a frame after which the camera counts as failed (vidgear's default).
DEFAULT_HWFAILURE_TIMEOUT = 2.0

_OWN_OPTIONS = ("enforce_legacy_picamera", "HWFAILURE_TIMEOUT")
_VERBOSE_LOGS = (
    "framehub leaves picamera2's logging alone; set the level of the 'picamera2' logger instead"
)


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class PiGear(ThreadedSource):
    """Frames from a Raspberry Pi camera module, read on a daemon thread; vidgear's PiGear API.

    The picamera2 backend is used when it is installed (``pip install 'framehub[pi]'``
    or Raspberry Pi OS's python3-picamera2); otherwise, or with the option
    ``enforce_legacy_picamera=True``, the legacy picamera backend. ``logging=True``
    logs the backend chosen and the lifecycle at INFO instead of DEBUG (shown once the
    application configures logging, e.g. ``logging.basicConfig(level=logging.INFO)``).

    picamera2 options: ``format`` (default "RGB888", i.e. BGR pixels), ``sensor`` (dict
    of ``output_size``/``bit_depth``), ``controls`` (dict of the camera's controls),
    ``transform`` (a ``libcamera.Transform``), ``buffer_count``, ``queue``, and
    ``auto_align_output_size`` (also spelt ``auto_align_output_config``), which aligns
    the output size to what the hardware prefers. ``framerate`` becomes the
    ``FrameDurationLimits`` control unless ``controls`` sets the frame rate itself.

    Legacy options are PiCamera attributes set by name: ``hflip``, ``vflip``,
    ``exposure_mode``, ``iso``, ``exposure_compensation``, ``awb_mode``,
    ``sensor_mode``, ``brightness`` and the rest of ``LEGACY_OPTIONS``.

    ``HWFAILURE_TIMEOUT`` (default 2 s): when no frame arrives for that long, e.g. the
    cable was pulled, ``read()`` returns None and keeps doing so. Unlike vidgear,
    ``read()`` also returns None after ``stop()`` rather than raising. Options of the
    backend not in use, and unknown ones, raise ``ConfigError``.

    framehub's own tests run without a Pi camera stack: they exercise PiGear against
    stand-ins for picamera2, libcamera and picamera, put in ``sys.modules``, that
    follow those modules' documented APIs.
    """

    def __init__(
        self,
        camera_num: int = 0,
        resolution: tuple[int, int] = (640, 480),
        framerate: float = 30,
        colorspace: str | int | None = None,
        logging: bool = False,
        time_delay: float = 0,
        **options: Any,
    ) -> None:
        if isinstance(camera_num, bool) or not isinstance(camera_num, int) or camera_num < 0:
            raise ConfigError(f"camera_num must be an int >= 0, got {camera_num!r}")
        size = check_resolution("resolution", resolution)
        rate = check_positive("framerate", framerate)
        delay = check_non_negative("time_delay", time_delay)
        code = resolve_colorspace(colorspace)
        options = {str(key).strip(): value for key, value in options.items()}
        legacy_forced = take_bool(options, "enforce_legacy_picamera", False)
        timeout = take_positive(options, "HWFAILURE_TIMEOUT", DEFAULT_HWFAILURE_TIMEOUT)

        super().__init__(
            name=f"PiGear(camera {camera_num})",
            ordered=False,
            read_timeout=timeout,
            verbose=logging,
            colorspace=code,
        )
        #: The requested frame rate (vidgear's attribute).
        self.framerate = rate
        picamera2 = None if legacy_forced else _import("picamera2")
        self._camera: Picamera2Camera | LegacyCamera
        if picamera2 is not None:
            settings = Picamera2Options.parse(options)
            _reject_rest(options, PICAMERA2_OPTIONS, legacy_hint=True)
            self._camera = Picamera2Camera(picamera2, camera_num, size, rate, settings, self._level)
        else:
            attributes = take_legacy_options(options)
            why = "disabled by enforce_legacy_picamera=True" if legacy_forced else "not installed"
            _reject_rest(options, LEGACY_OPTIONS, legacy_hint=False, picamera2_state=why)
            self._camera = _open_legacy(camera_num, size, rate, attributes, legacy_forced)
        logger.log(
            self._level,
            "PiGear: using the %s backend for %s at %dx%d, %.3g fps",
            self._camera.name,
            self._camera.description,
            size[0],
            size[1],
            rate,
        )
        if delay:
            time.sleep(delay)

    def _grab(self) -> Frame | None:
        return self._camera.capture()

    def _release(self) -> None:
        self._camera.close()


def _reject_rest(
    options: dict[str, Any],
    backend_options: tuple[str, ...],
    *,
    legacy_hint: bool,
    picamera2_state: str = "",
) -> None:
    unsupported = {"enable_verbose_logs": _VERBOSE_LOGS}
    if legacy_hint:
        unsupported |= {
            key: "it is a legacy picamera setting; with picamera2 use controls=... or "
            "transform=..., or pass enforce_legacy_picamera=True"
            for key in LEGACY_OPTIONS
        }
    else:
        unsupported |= {
            key: f"it needs the picamera2 backend, which is {picamera2_state}"
            for key in PICAMERA2_OPTIONS
        }
    reject_unknown("PiGear", options, (*backend_options, *_OWN_OPTIONS), unsupported)


def _open_legacy(
    camera_num: int,
    size: tuple[int, int],
    rate: float,
    attributes: dict[str, Any],
    forced: bool,
) -> LegacyCamera:
    picamera = _import("picamera")
    array_module = _import("picamera.array") if picamera is not None else None
    if picamera is None or array_module is None:
        if forced:
            raise MissingPackageError(
                "PiGear: enforce_legacy_picamera=True but the picamera package is not installed"
            )
        raise MissingPackageError(
            "PiGear needs picamera2 (pip install 'framehub[pi]', or apt install "
            "python3-picamera2 on Raspberry Pi OS) or the legacy picamera package; "
            "neither is installed"
        )
    return LegacyCamera(picamera, array_module, camera_num, size, rate, attributes)
