"""Stand-ins for picamera2, libcamera and the legacy picamera, for machines without a Pi camera.

They follow the documented APIs, as the real modules behave:

- picamera2: ``Picamera2(camera_num)`` indexes ``Picamera2.global_camera_info()``;
  ``create_video_configuration(main=..., controls=..., transform=..., buffer_count=...,
  queue=..., sensor=...)`` returns a configuration dict whose ``controls`` start from
  ``FrameDurationLimits`` (33333, 33333) and whose ``main`` accepts only ``format``,
  ``size``, ``stride`` and ``preserve_ar``; ``align_configuration`` rounds the main
  width down to the hardware alignment (32 pixels for RGB888); ``configure`` refuses a
  started camera; ``capture_array("main")`` blocks until the next frame, whose shape
  follows the configured format ("RGB888" gives B, G, R pixels); ``stop``/``close``
  are idempotent.
- libcamera: ``Transform(hflip=0, vflip=0, transpose=0)``.
- picamera 1.13: ``PiCamera(camera_num=..., resolution=..., framerate=...,
  sensor_mode=...)``; settings are attributes that validate their values;
  ``capture_continuous(output, format="bgr", use_video_port=True)`` writes each frame
  into the output and yields it; ``picamera.array.PiRGBArray`` raises when it was not
  emptied (seek(0) + truncate()) between frames.

The modules are built per test around a ``PiHardware``, which records every call and
lets a test pull the cable.
"""

from __future__ import annotations

import io
import sys
import threading
import time
import types
from typing import Any

import numpy as np
import pytest

# Bound on every wait inside the fakes, so that a broken test cannot hang.
_MAX_WAIT = 20.0


class PiHardware:
    """What the fake camera stack sees: attached cameras, controls, frames, a call log."""

    def __init__(self, cameras: int = 1) -> None:
        self.cameras = [
            {
                "Model": "imx219",
                "Location": 2,
                "Rotation": 180,
                "Id": f"/base/soc/i2c0mux/i2c@{n}/imx219@10",
                "Num": n,
            }
            for n in range(cameras)
        ]
        self.controls: dict[str, tuple[Any, Any, Any]] = {
            "AeEnable": (False, True, True),
            "AnalogueGain": (1.0, 10.66, None),
            "Brightness": (-1.0, 1.0, 0.0),
            "Contrast": (0.0, 32.0, 1.0),
            "ExposureTime": (75, 11766829, None),
            "ExposureValue": (-8.0, 8.0, 0.0),
            "FrameDurationLimits": (33333, 120000, None),
            "Saturation": (0.0, 32.0, 1.0),
        }
        self.calls: list[tuple[str, Any]] = []
        self.connected = threading.Event()
        self.connected.set()
        self.capture_error: Exception | None = None
        self.closed = threading.Event()
        self.frames_captured = 0

    def record(self, name: str, value: Any = None) -> None:
        self.calls.append((name, value))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def last(self, name: str) -> Any:
        return [value for n, value in self.calls if n == name][-1]

    def unplug(self) -> None:
        """From now on captures hang, as with a pulled ribbon cable."""
        self.connected.clear()

    def plug(self) -> None:
        self.connected.set()

    def next_frame(self, width: int, height: int, channels: int, period: float) -> np.ndarray:
        """Wait one frame period, then return a frame carrying its number in the G channel."""
        if not self.connected.wait(_MAX_WAIT):
            raise RuntimeError("fake camera: cable never reconnected")
        time.sleep(period)
        if self.capture_error is not None:
            raise self.capture_error
        frame = np.empty((height, width, channels), dtype=np.uint8)
        frame[..., 0] = 10
        frame[..., 1] = self.frames_captured % 256
        frame[..., 2] = 200
        if channels == 4:
            frame[..., 3] = 255
        self.frames_captured += 1
        return frame


def make_libcamera() -> types.ModuleType:
    module = types.ModuleType("libcamera")

    class Transform:
        def __init__(self, hflip: int = 0, vflip: int = 0, transpose: int = 0) -> None:
            self.hflip, self.vflip, self.transpose = bool(hflip), bool(vflip), bool(transpose)

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Transform) and vars(self) == vars(other)

        def __repr__(self) -> str:
            return f"<libcamera.Transform hflip={self.hflip} vflip={self.vflip}>"

    module.Transform = Transform  # type: ignore[attr-defined]
    return module


_STREAM_KEYS = ("format", "size", "stride", "preserve_ar")
_CHANNELS = {"RGB888": 3, "BGR888": 3, "XRGB8888": 4, "XBGR8888": 4}
_ALIGN = {"RGB888": 32, "BGR888": 32, "XRGB8888": 16, "XBGR8888": 16, "YUV420": 64}


def make_picamera2(hw: PiHardware, libcamera: types.ModuleType) -> types.ModuleType:
    module = types.ModuleType("picamera2")

    class Picamera2:
        DEBUG, INFO, WARNING = 10, 20, 30

        @staticmethod
        def global_camera_info() -> list[dict[str, Any]]:
            return [dict(camera) for camera in hw.cameras]

        @staticmethod
        def set_logging(level: int = 30, output: Any = None, msg: Any = None) -> None:
            hw.record("set_logging", level)

        @staticmethod
        def align_configuration(config: dict[str, Any], optimal: bool = True) -> None:
            hw.record("align_configuration", optimal)
            main = config["main"]
            align = _ALIGN.get(main["format"], 32) if optimal else 2
            width, height = main["size"]
            main["size"] = (width - width % align, height - height % 2)

        def __init__(self, camera_num: int = 0, tuning: Any = None) -> None:
            info = self.global_camera_info()[camera_num]  # IndexError, as the real one
            hw.record("Picamera2", camera_num)
            self.camera_idx = info["Num"]
            self.camera_config: dict[str, Any] | None = None
            self.started = False
            self.is_open = True

        @property
        def camera_controls(self) -> dict[str, tuple[Any, Any, Any]]:
            return dict(hw.controls)

        def create_video_configuration(
            self,
            main: dict[str, Any] | None = None,
            lores: dict[str, Any] | None = None,
            raw: dict[str, Any] | None = None,
            transform: Any = None,
            colour_space: Any = None,
            buffer_count: int = 6,
            controls: dict[str, Any] | None = None,
            display: str | None = "main",
            encode: str | None = "main",
            queue: bool = True,
            sensor: dict[str, Any] | None = None,
            use_case: str = "video",
        ) -> dict[str, Any]:
            kwargs = {
                "main": main,
                "transform": transform,
                "buffer_count": buffer_count,
                "controls": controls,
                "queue": queue,
                "sensor": sensor,
            }
            hw.record("create_video_configuration", kwargs)
            stream = {"format": "XBGR8888", "size": (1280, 720), "preserve_ar": True}
            for key, value in (main or {}).items():
                if key not in _STREAM_KEYS:
                    raise ValueError(f"Bad key {key!r}: valid stream configuration keys are ...")
                stream[key] = value
            transform = libcamera.Transform() if transform is None else transform
            if not isinstance(transform, libcamera.Transform):
                raise RuntimeError("Transform has incorrect type")
            merged = {"NoiseReductionMode": 1, "FrameDurationLimits": (33333, 33333)}
            return {
                "use_case": use_case,
                "transform": transform,
                "colour_space": colour_space,
                "buffer_count": buffer_count,
                "queue": queue,
                "main": stream,
                "lores": lores,
                "raw": raw or {},
                "controls": merged | (controls or {}),
                "sensor": sensor or {},
                "display": display,
                "encode": encode,
            }

        def configure(self, camera_config: dict[str, Any]) -> None:
            if self.started:
                raise RuntimeError("Camera must be stopped before configuring")
            main = camera_config["main"]
            width, height = main["size"]
            if width % 2 or height % 2:
                raise RuntimeError("width and height should be even")
            if main["format"] not in _CHANNELS and main["format"] != "YUV420":
                raise RuntimeError(f"Bad format {main['format']} in stream main")
            hw.record("configure", camera_config)
            self.camera_config = camera_config

        def camera_configuration(self) -> dict[str, Any] | None:
            return self.camera_config

        def set_controls(self, controls: dict[str, Any]) -> None:
            hw.record("set_controls", controls)

        def start(self, config: Any = None, show_preview: bool = False) -> None:
            if self.camera_config is None:
                raise RuntimeError("Camera has not been configured")
            hw.record("start")
            self.started = True

        def capture_array(self, name: str = "main", wait: Any = None) -> np.ndarray:
            if not self.started or self.camera_config is None:
                raise RuntimeError("Camera is not running")
            stream = self.camera_config[name]
            width, height = stream["size"]
            low, _high = self.camera_config["controls"]["FrameDurationLimits"]
            return hw.next_frame(width, height, _CHANNELS[stream["format"]], low / 1e6)

        def stop(self) -> None:
            if self.started:
                hw.record("stop")
            self.started = False

        def close(self) -> None:
            if self.is_open:
                self.stop()
                hw.record("close")
                hw.closed.set()
            self.is_open = False

    module.Picamera2 = Picamera2  # type: ignore[attr-defined]
    return module


class PiCameraValueError(ValueError):
    pass


_LEGACY_VALID = {
    "awb_mode": {"off", "auto", "sunlight", "cloudy", "shade", "tungsten", "fluorescent"},
    "exposure_mode": {"off", "auto", "night", "backlight", "spotlight", "sports", "snow"},
    "iso": {0, 100, 200, 320, 400, 500, 640, 800},
}


def make_picamera(hw: PiHardware) -> tuple[types.ModuleType, types.ModuleType]:
    module = types.ModuleType("picamera")
    array_module = types.ModuleType("picamera.array")

    class PiCamera:
        def __init__(
            self,
            camera_num: int = 0,
            stereo_mode: str = "none",
            stereo_decimate: bool = False,
            resolution: Any = None,
            framerate: Any = None,
            sensor_mode: int = 0,
            led_pin: Any = None,
            clock_mode: str = "reset",
            framerate_range: Any = None,
        ) -> None:
            if camera_num >= len(hw.cameras):
                raise PiCameraValueError(f"camera {camera_num} not found")
            hw.record(
                "PiCamera",
                {
                    "camera_num": camera_num,
                    "resolution": resolution,
                    "framerate": framerate,
                    "sensor_mode": sensor_mode,
                },
            )
            self.resolution = tuple(resolution or (1280, 720))
            self.framerate = framerate or 30
            self.closed = False

        def __setattr__(self, key: str, value: Any) -> None:
            if key in _LEGACY_VALID and value not in _LEGACY_VALID[key]:
                raise PiCameraValueError(f"Invalid {key}: {value!r}")
            if key == "exposure_compensation" and not -25 <= value <= 25:
                raise PiCameraValueError(f"Invalid exposure compensation value: {value}")
            if key not in ("resolution", "framerate", "closed"):
                hw.record("set", (key, value))
            object.__setattr__(self, key, value)

        def capture_continuous(
            self,
            output: Any,
            format: str | None = None,
            use_video_port: bool = False,
            resize: Any = None,
            splitter_port: int = 0,
            burst: bool = False,
            bayer: bool = False,
            **options: Any,
        ) -> Any:
            hw.record("capture_continuous", {"format": format, "use_video_port": use_video_port})
            channels = {"bgr": 3, "rgb": 3, "bgra": 4, "rgba": 4}[format or "bgr"]

            def frames() -> Any:
                while not self.closed:
                    width, height = self.resolution
                    frame = hw.next_frame(width, height, channels, 1.0 / self.framerate)
                    output.write(frame.tobytes())
                    output.flush()
                    yield output

            return frames()

        def close(self) -> None:
            if not self.closed:
                hw.record("close")
                hw.closed.set()
            self.closed = True

    class PiRGBArray(io.BytesIO):
        def __init__(self, camera: PiCamera, size: Any = None) -> None:
            super().__init__()
            self.camera, self.size, self.array = camera, size, None

        def flush(self) -> None:
            super().flush()
            width, height = self.size or self.camera.resolution
            data = self.getvalue()
            if len(data) != width * height * 3:
                raise PiCameraValueError(f"Incorrect buffer length for resolution {width}x{height}")
            self.array = np.frombuffer(data, dtype=np.uint8).reshape((height, width, 3))

        def close(self) -> None:
            hw.record("PiRGBArray.close")
            super().close()

    module.PiCamera = PiCamera  # type: ignore[attr-defined]
    module.PiCameraValueError = PiCameraValueError  # type: ignore[attr-defined]
    module.array = array_module  # type: ignore[attr-defined]
    array_module.PiRGBArray = PiRGBArray  # type: ignore[attr-defined]
    return module, array_module


def install(
    monkeypatch: pytest.MonkeyPatch, hw: PiHardware, *, picamera2: bool, legacy: bool
) -> types.ModuleType:
    """Put the chosen fakes into sys.modules; the others import as missing. Returns libcamera."""
    libcamera = make_libcamera()
    if picamera2:
        monkeypatch.setitem(sys.modules, "libcamera", libcamera)
        monkeypatch.setitem(sys.modules, "picamera2", make_picamera2(hw, libcamera))
    else:
        # A None entry makes the import raise ImportError, as for a missing package.
        monkeypatch.setitem(sys.modules, "libcamera", None)
        monkeypatch.setitem(sys.modules, "picamera2", None)
    if legacy:
        picamera, array_module = make_picamera(hw)
        monkeypatch.setitem(sys.modules, "picamera", picamera)
        monkeypatch.setitem(sys.modules, "picamera.array", array_module)
    else:
        monkeypatch.setitem(sys.modules, "picamera", None)
        monkeypatch.setitem(sys.modules, "picamera.array", None)
    return libcamera
