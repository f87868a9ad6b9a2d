"""PiGear against fakes of picamera2/libcamera/picamera injected at the import boundary.

No Raspberry Pi camera stack exists on the test machines; ``pi_fakes`` follows the
documented APIs of those modules (see its docstring).
"""

import logging
import threading
import time

import pytest

from framehub.errors import ConfigError, SourceError, UnsupportedOptionError
from framehub.sources import PiGear
from framehub.sources import base as sources_base
from support import wait_for

from .pi_fakes import PiHardware, install


@pytest.fixture
def hw():
    hardware = PiHardware(cameras=2)
    yield hardware
    hardware.plug()  # let any reader stuck on a "pulled cable" finish


@pytest.fixture
def both(monkeypatch, hw):
    return install(monkeypatch, hw, picamera2=True, legacy=True)


@pytest.fixture
def legacy_only(monkeypatch, hw):
    install(monkeypatch, hw, picamera2=False, legacy=True)


def frame_numbers(stream, count):
    return [int(stream.read()[0, 0, 1]) for _ in range(count)]


def test_the_seed_options_reach_picamera2_as_its_api_expects(both, hw, caplog):
    caplog.set_level(logging.DEBUG, logger="framehub")
    options = {
        "queue": True,
        "buffer_count": 4,
        "controls": {"Brightness": 0.5, "ExposureValue": 2.0},
        "transform": both.Transform(hflip=1),
        "auto_align_output_config": True,
    }
    stream = PiGear(resolution=(650, 480), framerate=60, logging=True, **options).start()
    frame = stream.read()
    stream.stop()

    assert hw.last("Picamera2") == 0
    created = hw.last("create_video_configuration")
    assert created["main"] == {"size": (650, 480), "format": "RGB888"}
    assert created["controls"] == {
        "Brightness": 0.5,
        "ExposureValue": 2.0,
        "FrameDurationLimits": (16667, 16667),
    }
    assert created["transform"] == both.Transform(hflip=1)
    assert created["buffer_count"] == 4
    assert created["queue"] is True
    assert "align_configuration" in hw.names()
    assert hw.last("configure")["main"]["size"] == (640, 480)
    assert frame.shape == (480, 640, 3)
    assert hw.names()[-2:] == ["stop", "close"]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("picamera2 backend" in m for m in infos)


def test_sensor_format_and_camera_num_reach_picamera2(both, hw):
    sensor = {"output_size": (1640, 1232), "bit_depth": 10}
    with PiGear(camera_num=1, format="XRGB8888", sensor=sensor, auto_align_output_size=False):
        pass
    assert hw.last("Picamera2") == 1
    created = hw.last("create_video_configuration")
    assert created["sensor"] == sensor
    assert created["main"]["format"] == "XRGB8888"
    assert "align_configuration" not in hw.names()


def test_options_not_given_are_left_to_picamera2s_defaults(both, hw):
    with PiGear():
        pass
    created = hw.last("create_video_configuration")
    assert created["buffer_count"] == 6 and created["transform"] is None
    assert created["sensor"] is None and created["queue"] is True


def test_a_frame_rate_control_given_by_the_caller_wins(both, hw):
    with PiGear(framerate=60, controls={"FrameRate": 15}):
        pass
    assert hw.last("create_video_configuration")["controls"] == {"FrameRate": 15}


def test_frames_are_delivered_newest_first_and_never_twice(both, hw):
    with PiGear(framerate=200) as stream:
        numbers = frame_numbers(stream, 10)
        captured = hw.frames_captured
        # Several frames arrive meanwhile; only the newest is kept.
        wait_for(lambda: hw.frames_captured >= captured + 5, what="five more frames captured")
        later = frame_numbers(stream, 2)
    assert numbers == sorted(set(numbers))
    assert later[0] > numbers[-1] + 1
    assert later[1] > later[0]


def test_colorspace_converts_the_frames(both, hw):
    with PiGear(framerate=200, colorspace="COLOR_BGR2RGB") as stream:
        frame = stream.read()
    assert frame[0, 0, 0] == 200 and frame[0, 0, 2] == 10


def test_read_returns_none_after_stop(both, hw):
    stream = PiGear(framerate=200).start()
    assert stream.read() is not None
    stream.stop()
    assert stream.read() is None
    stream.stop()
    assert hw.names().count("close") == 1


def test_a_pulled_cable_makes_read_return_none_after_the_timeout(both, hw, monkeypatch):
    monkeypatch.setattr(sources_base, "JOIN_TIMEOUT", 0.3)
    stream = PiGear(framerate=200, HWFAILURE_TIMEOUT=0.3).start()
    assert stream.read() is not None
    hw.unplug()
    stream.read()  # a frame may already have been waiting
    start = time.monotonic()
    assert stream.read() is None
    assert 0.25 <= time.monotonic() - start < 1.5
    assert stream.read() is None
    start = time.monotonic()
    stream.stop()
    assert time.monotonic() - start < 1.5
    hw.plug()
    assert hw.closed.wait(5.0), "the camera is released once its pending capture returns"


def test_an_error_in_the_camera_is_raised_by_read_then_the_stream_ends(both, hw):
    stream = PiGear(framerate=200).start()
    assert stream.read() is not None
    hw.capture_error = RuntimeError("request failed")
    with pytest.raises(SourceError, match="request failed"):
        for _ in range(50):
            stream.read()
    assert stream.read() is None
    stream.stop()
    assert hw.closed.is_set()


def test_an_unknown_control_is_rejected_and_the_camera_closed(both, hw):
    with pytest.raises(ConfigError, match=r"Sharpnes.*Brightness"):
        PiGear(controls={"Sharpnes": 1.0})
    assert hw.names()[-1] == "close"


def test_a_missing_camera_is_a_source_error(both, hw):
    with pytest.raises(SourceError, match="camera_num=5"):
        PiGear(camera_num=5)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"hflip": True}, UnsupportedOptionError, "hflip.*legacy"),
        ({"enable_verbose_logs": True}, UnsupportedOptionError, "enable_verbose_logs"),
        ({"brightnes": 1}, ConfigError, "brightnes"),
        ({"transform": "hflip"}, ConfigError, "transform"),
        ({"sensor": {"size": (1, 1)}}, ConfigError, "sensor"),
        ({"buffer_count": 0}, ConfigError, "buffer_count"),
        ({"queue": "yes"}, ConfigError, "queue"),
        ({"controls": ["Brightness"]}, ConfigError, "controls"),
        ({"HWFAILURE_TIMEOUT": -1}, ConfigError, "HWFAILURE_TIMEOUT"),
        ({"enforce_legacy_picamera": 1}, ConfigError, "enforce_legacy_picamera"),
        ({"camera_num": -1}, ConfigError, "camera_num"),
        ({"resolution": (640,)}, ConfigError, "resolution"),
        ({"framerate": 0}, ConfigError, "framerate"),
    ],
)
def test_invalid_options_are_rejected_before_the_camera_opens(both, hw, options, error, match):
    with pytest.raises(error, match=match):
        PiGear(**options)
    assert "Picamera2" not in hw.names()


def test_legacy_backend_is_used_when_picamera2_is_missing(legacy_only, hw, caplog):
    caplog.set_level(logging.DEBUG, logger="framehub")
    options = {
        "hflip": True,
        "exposure_mode": "sports",
        "iso": 400,
        "exposure_compensation": 3,
        "awb_mode": "cloudy",
        "sensor_mode": 4,
    }
    stream = PiGear(camera_num=1, resolution=(320, 240), framerate=90, logging=True, **options)
    stream.start()
    numbers = frame_numbers(stream, 5)
    stream.stop()

    assert hw.last("PiCamera") == {
        "camera_num": 1,
        "resolution": (320, 240),
        "framerate": 90.0,
        "sensor_mode": 4,
    }
    assert dict(value for name, value in hw.calls if name == "set") == {
        "hflip": True,
        "exposure_mode": "sports",
        "iso": 400,
        "exposure_compensation": 3,
        "awb_mode": "cloudy",
    }
    assert hw.last("capture_continuous") == {"format": "bgr", "use_video_port": True}
    assert numbers == sorted(set(numbers))
    assert hw.names()[-2:] == ["PiRGBArray.close", "close"]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("picamera (legacy) backend" in m for m in infos)


def test_enforce_legacy_picamera_skips_an_installed_picamera2(both, hw):
    with PiGear(enforce_legacy_picamera=True, framerate=200) as stream:
        assert stream.read().shape == (480, 640, 3)
    assert "PiCamera" in hw.names()
    assert "Picamera2" not in hw.names()


def test_legacy_backend_rejects_picamera2_options_and_bad_values(legacy_only, hw):
    with pytest.raises(UnsupportedOptionError, match=r"controls.*picamera2.*not installed"):
        PiGear(controls={"Brightness": 0.5})
    with pytest.raises(ConfigError, match="iso"):
        PiGear(iso=123)
    assert hw.names()[-1] == "close"


def test_missing_backends_raise_source_errors_naming_the_package(monkeypatch, hw):
    install(monkeypatch, hw, picamera2=False, legacy=False)
    with pytest.raises(SourceError, match="picamera2"):
        PiGear()
    # vidgear raises ImportError here, and user code catches that.
    with pytest.raises(ImportError, match="enforce_legacy_picamera"):
        PiGear(enforce_legacy_picamera=True)


def test_stop_from_another_thread_wakes_a_waiting_read(both, hw, monkeypatch):
    monkeypatch.setattr(sources_base, "JOIN_TIMEOUT", 0.2)
    stream = PiGear(framerate=200, HWFAILURE_TIMEOUT=20).start()
    assert stream.read() is not None
    hw.unplug()
    threading.Timer(0.3, stream.stop).start()
    start = time.monotonic()
    results = [stream.read(), stream.read()]  # at most one frame was still in flight
    assert results[-1] is None
    assert time.monotonic() - start < 2.0
