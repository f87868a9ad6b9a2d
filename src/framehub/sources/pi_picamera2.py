"""PiGear's picamera2 (libcamera) backend."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..errors import ConfigError, SourceError
from .channel import Frame
from .options import take_bool

__all__ = ["PICAMERA2_OPTIONS", "Picamera2Camera", "Picamera2Options"]

logger = logging.getLogger(__name__)

#: The options this backend takes (``auto_align_output_config`` is the seed's spelling
#: of ``auto_align_output_size``).
PICAMERA2_OPTIONS = (
    "format",
    "sensor",
    "controls",
    "transform",
    "buffer_count",
    "queue",
    "auto_align_output_size",
    "auto_align_output_config",
)
_SENSOR_KEYS = ("output_size", "bit_depth")
# picamera2's "RGB888" stores pixels as B, G, R: what OpenCV expects.
_DEFAULT_FORMAT = "RGB888"
# Controls that set the frame rate; framehub only derives one from `framerate` when the
# caller set neither.
_RATE_CONTROLS = ("FrameRate", "FrameDurationLimits")


@dataclass
class Picamera2Options:
    """The picamera2 options, type-checked; built by ``parse`` from PiGear's options."""

    format: str = _DEFAULT_FORMAT
    controls: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    align: bool = False

    @classmethod
    def parse(cls, options: dict[str, Any]) -> Picamera2Options:
        """Pop and check this backend's keys from ``options``; others are left in place."""
        parsed = cls()
        fmt = options.pop("format", _DEFAULT_FORMAT)
        if not isinstance(fmt, str):
            raise ConfigError(f"option format must be a picamera2 format name, got {fmt!r}")
        parsed.format = fmt
        controls = options.pop("controls", {})
        if not isinstance(controls, dict) or not all(isinstance(k, str) for k in controls):
            raise ConfigError(f"option controls must be a dict of control names, got {controls!r}")
        parsed.controls = dict(controls)
        if "sensor" in options:
            parsed.config["sensor"] = _check_sensor(options.pop("sensor"))
        if "transform" in options:
            parsed.config["transform"] = _check_transform(options.pop("transform"))
        if "buffer_count" in options:
            count = options.pop("buffer_count")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ConfigError(f"option buffer_count must be an int >= 1, got {count!r}")
            parsed.config["buffer_count"] = count
        if "queue" in options:
            parsed.config["queue"] = take_bool(options, "queue", True)
        align = take_bool(options, "auto_align_output_size", False)
        alias = take_bool(options, "auto_align_output_config", align)
        parsed.align = align or alias
        return parsed


def _check_sensor(sensor: object) -> dict[str, Any]:
    if not isinstance(sensor, dict) or not set(sensor) <= set(_SENSOR_KEYS):
        raise ConfigError(
            f"option sensor must be a dict with keys from {', '.join(_SENSOR_KEYS)}, got {sensor!r}"
        )
    return dict(sensor)


def _check_transform(transform: object) -> object:
    try:
        import libcamera
    except ImportError:
        raise ConfigError("option transform needs libcamera, which is not installed") from None
    if not isinstance(transform, libcamera.Transform):
        raise ConfigError(
            f"option transform must be a libcamera.Transform, e.g. Transform(hflip=1), "
            f"got {transform!r}"
        )
    return transform


class Picamera2Camera:
    """An opened, configured and started picamera2 camera delivering BGR frames."""

    name = "picamera2"

    def __init__(
        self,
        module: ModuleType,
        camera_num: int,
        resolution: tuple[int, int],
        framerate: float,
        options: Picamera2Options,
        level: int,
    ) -> None:
        cameras = module.Picamera2.global_camera_info()
        if camera_num >= len(cameras):
            found = ", ".join(str(c.get("Model", "?")) for c in cameras) or "none"
            raise SourceError(
                f"PiGear: no camera at camera_num={camera_num}; picamera2 sees "
                f"{len(cameras)} camera(s): {found}"
            )
        try:
            camera = module.Picamera2(camera_num=camera_num)
        except Exception as exc:
            raise SourceError(
                f"PiGear could not open camera {camera_num} with picamera2: {exc}"
            ) from exc
        try:
            controls = _controls(camera, options.controls, framerate, level)
            config = camera.create_video_configuration(
                main={"size": resolution, "format": options.format},
                controls=controls,
                **options.config,
            )
            if options.align:
                camera.align_configuration(config)
            camera.configure(config)
            camera.start()
        except ConfigError:
            camera.close()
            raise
        except Exception as exc:
            camera.close()
            raise SourceError(
                f"PiGear: picamera2 could not configure camera {camera_num}: {exc}"
            ) from exc
        self._camera = camera
        self.description = f"{cameras[camera_num].get('Model', 'camera')} #{camera_num}"

    def capture(self) -> Frame:
        """Block until the next frame of the main stream and return it."""
        frame: Frame = self._camera.capture_array("main")
        return frame

    def close(self) -> None:
        """Stop and release the camera."""
        try:
            self._camera.stop()
        finally:
            self._camera.close()


def _controls(
    camera: Any, requested: dict[str, Any], framerate: float, level: int
) -> dict[str, Any]:
    available = camera.camera_controls
    unknown = sorted(set(requested) - set(available) - {"FrameRate"})
    if unknown:
        raise ConfigError(
            f"PiGear: control(s) {', '.join(unknown)} not offered by this camera; "
            f"it offers: {', '.join(sorted(available))}"
        )
    controls = dict(requested)
    if not any(name in controls for name in _RATE_CONTROLS):
        if "FrameDurationLimits" in available:
            period = round(1_000_000 / framerate)
            controls["FrameDurationLimits"] = (period, period)
        else:
            logger.log(
                level,
                "PiGear: this camera has no FrameDurationLimits control (a USB camera?); "
                "it keeps its own frame rate",
            )
    return controls
