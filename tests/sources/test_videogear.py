import itertools
import logging
from enum import Enum

import cv2
import numpy as np
import pytest

from framehub.errors import ConfigError, ConfigTypeError, UnsupportedOptionError
from framehub.sources import Backend, CamGear, PiGear, StabilizerMode, VideoGear

from .pi_fakes import PiHardware, install
from .videos import decode_index, indexed_video, read_all, write_video


@pytest.fixture
def pi_camera(monkeypatch):
    hw = PiHardware()
    install(monkeypatch, hw, picamera2=True, legacy=False)
    yield hw
    hw.plug()


def test_camgear_is_the_default_and_frames_pass_through_in_order(tmp_path):
    path = indexed_video(tmp_path, 30, "mp4v", "mp4")
    stream = VideoGear(source=str(path)).start()
    assert isinstance(stream.stream, CamGear)
    assert [decode_index(f) for f in read_all(stream)] == list(range(30))
    assert stream.framerate == pytest.approx(25.0)
    stream.stop()
    assert stream.read() is None


def test_options_and_colorspace_reach_camgear(tmp_path):
    path = indexed_video(tmp_path, 20, "FFV1", "mkv")
    with VideoGear(source=str(path), colorspace="COLOR_BGR2GRAY", CAP_PROP_POS_FRAMES=5) as s:
        frames = read_all(s)
    assert [decode_index(f) for f in frames] == list(range(5, 20))
    assert frames[0].ndim == 2


class VidgearBackend(Enum):  # the shape of vidgear's own Backend enum
    CAMGEAR = "camgear"
    PIGEAR = "pigear"
    FFGEAR = "ffgear"


class VidgearStabilizerMode(Enum):  # the shape of vidgear's own StabilizerMode enum
    ASW = "asw"
    KALMAN = "kalman"


def test_enable_pi_camera_is_deprecated_as_in_vidgear(pi_camera, tmp_path):
    with pytest.warns(DeprecationWarning, match="api=Backend.PIGEAR"):
        stream = VideoGear(enablePiCamera=True, resolution=(320, 240))
    with stream:
        assert isinstance(stream.stream, PiGear)
    path = indexed_video(tmp_path, 3)
    with pytest.warns(DeprecationWarning, match="enablePiCamera"):
        stream = VideoGear(enablePiCamera=False, source=str(path))
    with stream:
        assert isinstance(stream.stream, CamGear)


@pytest.mark.parametrize(
    "choice",
    [
        {"api": Backend.PIGEAR},
        {"api": VidgearBackend.PIGEAR},
    ],
)
def test_the_pi_camera_choice_selects_pigear(pi_camera, choice):
    with VideoGear(resolution=(320, 240), framerate=120, **choice) as stream:
        assert isinstance(stream.stream, PiGear)
        assert stream.read().shape == (240, 320, 3)
        assert stream.framerate == 120.0
    assert pi_camera.last("create_video_configuration")["main"]["size"] == (320, 240)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"api": VidgearBackend.FFGEAR}, UnsupportedOptionError, "FFGEAR"),
        ({"api": "camgear"}, ConfigTypeError, "api must be Backend"),
        ({"api": "webcam"}, ConfigTypeError, "api must be Backend"),
        ({"stabilize": 1}, ConfigError, "stabilize"),
        ({"stabilize": True, "STABILIZER_MODE": 1}, ConfigTypeError, "STABILIZER_MODE"),
        ({"stabilize": True, "STABILIZER_MODE": "asw"}, ConfigTypeError, "STABILIZER_MODE"),
        (
            {"stabilize": True, "STABILIZER_MODE": StabilizerMode.KALMAN},
            UnsupportedOptionError,
            "KALMAN",
        ),
        (
            {"stabilize": True, "STABILIZER_MODE": VidgearStabilizerMode.KALMAN},
            UnsupportedOptionError,
            "KALMAN",
        ),
        ({"stabilize": True, "SMOOTHING_RADIUS": 0}, ConfigError, "SMOOTHING_RADIUS"),
        ({"stabilize": True, "BORDER_TYPE": "mirror"}, ConfigError, "BORDER_TYPE"),
        ({"stabilize": True, "CROP_N_ZOOM": True}, ConfigError, "BORDER_SIZE"),
        ({"NOT_AN_OPTION": 1}, ConfigError, "NOT_AN_OPTION"),
    ],
)
def test_invalid_choices_are_rejected(tmp_path, kwargs, error, match):
    path = indexed_video(tmp_path, 2)
    with pytest.raises(error, match=match):
        VideoGear(source=str(path), **kwargs)


def shaking_clip(directory, count=80, size=(320, 240)):
    """A textured scene filmed by a camera that pans slowly and shakes by up to 8 px."""
    rng = np.random.default_rng(7)
    width, height = size
    noise = rng.integers(0, 256, (height + 120, width + 200), dtype=np.uint8)
    scene = cv2.normalize(cv2.GaussianBlur(noise, (0, 0), 3), None, 0, 255, cv2.NORM_MINMAX)
    scene = cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR)
    shake = rng.uniform(-8, 8, (count, 2))
    frames = []
    for t in range(count):
        x = round(60 + 0.5 * t + shake[t, 0])
        y = round(60 + shake[t, 1])
        frames.append(scene[y : y + height, x : x + width].copy())
    return write_video(directory / "shaking.avi", frames)


def jitter(frames) -> float:
    """Mean deviation of the frame-to-frame shift from the average shift (the pan)."""
    shifts = []
    for a, b in itertools.pairwise(frames):
        crop_a = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)[40:-40, 40:-40].astype(np.float32)
        crop_b = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)[40:-40, 40:-40].astype(np.float32)
        shifts.append(cv2.phaseCorrelate(crop_a, crop_b)[0])
    shifts = np.array(shifts)
    return float(np.abs(shifts - shifts.mean(axis=0)).mean())


def test_stabilisation_removes_most_of_the_shake_and_keeps_every_frame(tmp_path):
    path = shaking_clip(tmp_path)
    with CamGear(source=str(path)) as raw_stream:
        raw = read_all(raw_stream)
    with VideoGear(source=str(path), stabilize=True, SMOOTHING_RADIUS=10) as stream:
        stable = read_all(stream)
    assert len(stable) == len(raw) == 80
    assert jitter(raw) > 3.0
    assert jitter(stable) < 0.25 * jitter(raw)


def test_stabilisation_border_options_shape_the_output(tmp_path):
    path = write_video(tmp_path / "still.avi", [np.full((120, 160, 3), 90, np.uint8)] * 6)
    with VideoGear(source=str(path), stabilize=True, SMOOTHING_RADIUS=2, BORDER_SIZE=10) as s:
        bordered = read_all(s)
    with VideoGear(
        source=str(path), stabilize=True, SMOOTHING_RADIUS=2, BORDER_SIZE=10, CROP_N_ZOOM=True
    ) as s:
        zoomed = read_all(s)
    assert [f.shape for f in bordered] == [(140, 180, 3)] * 6
    assert [f.shape for f in zoomed] == [(120, 160, 3)] * 6


def test_stop_mid_stream_with_stabilisation_returns_none(tmp_path):
    path = indexed_video(tmp_path, 40)
    stream = VideoGear(source=str(path), stabilize=True, SMOOTHING_RADIUS=3).start()
    assert stream.read() is not None
    stream.stop()
    assert stream.read() is None
    stream.stop()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"api": Backend.CAMGEAR, "enablePiCamera": True}, ConfigError, "enablePiCamera"),
        ({"enablePiCamera": "yes"}, ConfigError, "enablePiCamera"),
    ],
)
def test_invalid_deprecated_choices_are_rejected_after_the_warning(tmp_path, kwargs, error, match):
    path = indexed_video(tmp_path, 2)
    with pytest.warns(DeprecationWarning), pytest.raises(error, match=match):
        VideoGear(source=str(path), **kwargs)


@pytest.mark.parametrize("mode", [StabilizerMode.ASW, VidgearStabilizerMode.ASW])
def test_vidgears_stabilizer_mode_values_are_accepted(tmp_path, mode):
    path = indexed_video(tmp_path, 8)
    with VideoGear(
        source=str(path), stabilize=True, STABILIZER_MODE=mode, SMOOTHING_RADIUS=2
    ) as stream:
        assert len(read_all(stream)) == 8


def test_stabilizer_options_that_cannot_apply_are_warned_about(tmp_path, caplog):
    path = indexed_video(tmp_path, 4)
    with caplog.at_level(logging.WARNING, logger="framehub"):
        with VideoGear(source=str(path), SMOOTHING_RADIUS=5) as stream:
            assert len(read_all(stream)) == 4
        with VideoGear(source=str(path), stabilize=True, PROCESS_NOISE=0.1) as stream:
            assert len(read_all(stream)) == 4
    assert "SMOOTHING_RADIUS has no effect without stabilize=True; ignored" in caplog.text
    assert "PROCESS_NOISE has no effect with the moving-average mode; ignored" in caplog.text


def test_color_space_set_while_streaming_converts_the_next_frame(tmp_path):
    path = indexed_video(tmp_path, 40, "FFV1", "mkv")
    with VideoGear(source=str(path)) as stream:
        first = stream.read()
        stream.color_space = cv2.COLOR_BGR2GRAY
        assert stream.color_space == cv2.COLOR_BGR2GRAY
        gray = stream.read()
        stream.color_space = None
        again = stream.read()
    assert first.ndim == 3 and gray.ndim == 2 and again.ndim == 3
    assert [decode_index(f) for f in (first, again)] == [0, 2]
