"""PiGear's legacy picamera (MMAL) backend."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..errors import ConfigError, SourceError
from .channel import Frame

__all__ = ["LEGACY_OPTIONS", "LegacyCamera", "take_legacy_options"]

#: PiCamera attributes that PiGear sets from options of the same name (picamera 1.13).
LEGACY_OPTIONS = (
    "annotate_background",
    "annotate_foreground",
    "annotate_frame_num",
    "annotate_text",
    "annotate_text_size",
    "awb_gains",
    "awb_mode",
    "brightness",
    "color_effects",
    "contrast",
    "drc_strength",
    "exposure_compensation",
    "exposure_mode",
    "flash_mode",
    "framerate_delta",
    "hflip",
    "image_denoise",
    "image_effect",
    "image_effect_params",
    "iso",
    "led",
    "meter_mode",
    "rotation",
    "saturation",
    "sensor_mode",
    "sharpness",
    "shutter_speed",
    "still_stats",
    "vflip",
    "video_denoise",
    "video_stabilization",
    "zoom",
)


def take_legacy_options(options: dict[str, Any]) -> dict[str, Any]:
    """Pop the legacy camera attributes from ``options``; others are left in place."""
    return {key: options.pop(key) for key in list(options) if key in LEGACY_OPTIONS}


class LegacyCamera:
    """An opened picamera camera streaming BGR frames from its video port."""

    name = "picamera (legacy)"

    def __init__(
        self,
        module: ModuleType,
        array_module: ModuleType,
        camera_num: int,
        resolution: tuple[int, int],
        framerate: float,
        attributes: dict[str, Any],
    ) -> None:
        attributes = dict(attributes)
        # sensor_mode belongs in the constructor: setting it later restarts the camera.
        init: dict[str, Any] = {
            "camera_num": camera_num,
            "resolution": resolution,
            "framerate": framerate,
        }
        if "sensor_mode" in attributes:
            init["sensor_mode"] = attributes.pop("sensor_mode")
        try:
            camera = module.PiCamera(**init)
        except Exception as exc:
            raise SourceError(
                f"PiGear could not open camera {camera_num} with picamera: {exc}"
            ) from exc
        try:
            for key, value in attributes.items():
                try:
                    setattr(camera, key, value)
                except Exception as exc:
                    raise ConfigError(f"PiGear: picamera rejected {key}={value!r}: {exc}") from exc
            self._raw = array_module.PiRGBArray(camera, size=resolution)
            self._frames = camera.capture_continuous(self._raw, format="bgr", use_video_port=True)
        except BaseException:
            camera.close()
            raise
        self._camera = camera
        self.description = f"camera #{camera_num}"

    def capture(self) -> Frame | None:
        """Block until the next frame and return it; None if the capture stream ended."""
        try:
            output = next(self._frames)
        except StopIteration:
            return None
        frame: Frame = output.array
        # picamera appends to the output: empty it before the next capture.
        self._raw.seek(0)
        self._raw.truncate()
        return frame

    def close(self) -> None:
        """Stop streaming and release the camera."""
        try:
            self._frames.close()
            self._raw.close()
        finally:
            self._camera.close()
