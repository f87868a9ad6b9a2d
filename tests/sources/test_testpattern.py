import threading
import time

import cv2
import numpy as np
import pytest

from framehub.errors import ConfigError, SourceError
from framehub.sources import TestPattern, render_cycle


def test_frames_are_bgr_uint8_of_the_requested_size_and_read_only():
    with TestPattern(resolution=(320, 240), framerate=0) as pattern:
        frame = pattern.read()
    assert frame.shape == (240, 320, 3)
    assert frame.dtype == np.uint8
    assert frame.flags.c_contiguous
    with pytest.raises(ValueError):
        frame[0, 0] = 0


def test_the_pattern_moves_and_loops_over_its_cycle():
    with TestPattern(resolution=(160, 120), framerate=0, cycle=6) as pattern:
        frames = [pattern.read() for _ in range(12)]
    assert all(not np.array_equal(frames[i], frames[i + 1]) for i in range(5))
    assert all(np.array_equal(frames[i], frames[i + 6]) for i in range(6))


def test_frames_are_deterministic_and_differ_by_label_and_seed():
    first = render_cycle((160, 120), 4, seed=0, label="cam-1")
    again = render_cycle((160, 120), 4, 0, "cam-1")
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], render_cycle((160, 120), 4, 0, "cam-2")[0])
    assert not np.array_equal(first[0], render_cycle((160, 120), 4, 1, "cam-1")[0])


def test_frames_compress_like_video_not_like_noise_or_flat_colour():
    frame = render_cycle((640, 480), 1)[0]
    size = len(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1])
    noise = np.random.default_rng(0).integers(0, 256, frame.shape, dtype=np.uint8)
    noise_size = len(cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 90])[1])
    flat_size = len(
        cv2.imencode(".jpg", np.full_like(frame, 128), [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
    )
    assert flat_size * 3 < size < noise_size / 4


def test_frames_come_at_a_steady_rate_without_spinning():
    with TestPattern(resolution=(160, 120), framerate=50) as pattern:
        pattern.read()
        wall, cpu = time.monotonic(), time.process_time()
        for _ in range(25):
            pattern.read()
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    assert 0.45 <= wall < 0.75
    assert cpu < 0.15


def test_framerate_zero_is_unpaced_and_cheap():
    with TestPattern(resolution=(640, 480), framerate=0) as pattern:
        start = time.monotonic()
        for _ in range(5000):
            pattern.read()
    assert time.monotonic() - start < 0.5


def test_a_caller_that_falls_behind_gets_no_burst():
    with TestPattern(resolution=(160, 120), framerate=20) as pattern:
        pattern.read()
        time.sleep(0.3)  # six frame periods late
        pattern.read()
        start = time.monotonic()
        pattern.read()
    assert time.monotonic() - start >= 0.04


def test_stop_from_another_thread_wakes_a_waiting_read():
    pattern = TestPattern(resolution=(160, 120), framerate=0.5).start()
    pattern.read()
    threading.Timer(0.1, pattern.stop).start()
    start = time.monotonic()
    assert pattern.read() is None
    assert time.monotonic() - start < 0.5
    assert pattern.read() is None


def test_lifecycle_errors():
    pattern = TestPattern(resolution=(160, 120))
    with pytest.raises(SourceError, match="start"):
        pattern.read()
    pattern.stop()
    pattern.close()
    with pytest.raises(SourceError, match="stopped"):
        pattern.start()


@pytest.mark.parametrize(
    "kwargs",
    [{"resolution": (0, 10)}, {"resolution": (10,)}, {"framerate": -5}, {"label": 3}, {"cycle": 0}],
)
def test_invalid_parameters_raise_config_errors(kwargs):
    with pytest.raises(ConfigError):
        TestPattern(**kwargs)
