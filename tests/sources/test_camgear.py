import logging
import threading
import time

import cv2
import pytest

from framehub.errors import ConfigError, SourceError, UnsupportedOptionError
from framehub.sources import CamGear
from framehub.sources.base import QUEUE_SIZE
from support import wait_for

from .videos import CODECS, decode_index, indexed_video, read_all


@pytest.mark.parametrize(("fourcc", "ext"), CODECS)
def test_reads_every_frame_of_a_file_in_order_then_none(tmp_path, fourcc, ext):
    path = indexed_video(tmp_path, 40, fourcc, ext)
    stream = CamGear(source=str(path)).start()
    frames = read_all(stream)
    assert [decode_index(f) for f in frames] == list(range(40))
    assert all(f.shape == (120, 160, 3) for f in frames)
    assert stream.read() is None
    stream.stop()
    assert stream.framerate == pytest.approx(25.0)


def test_a_file_longer_than_the_queue_loses_nothing(tmp_path):
    count = QUEUE_SIZE * 3
    path = indexed_video(tmp_path, count)
    with CamGear(source=path) as stream:
        wait_for(
            lambda: stream._channel.producer_waiting, what="the reader waiting on a full queue"
        )
        assert [decode_index(f) for f in read_all(stream)] == list(range(count))


def test_stop_mid_stream_ends_reading_and_the_reader_thread(tmp_path):
    path = indexed_video(tmp_path, QUEUE_SIZE * 3)
    stream = CamGear(source=str(path)).start()
    assert [decode_index(stream.read()) for _ in range(5)] == [0, 1, 2, 3, 4]
    wait_for(lambda: stream._channel.producer_waiting, what="the reader waiting for room")
    started = time.monotonic()
    stream.stop()
    assert time.monotonic() - started < 1.0
    assert stream.read() is None
    stream.stop()
    stream.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("framehub-CamGear")]


def test_latest_frame_mode_never_returns_a_frame_twice(tmp_path):
    path = indexed_video(tmp_path, 60)
    with CamGear(source=str(path), THREADED_QUEUE_MODE=False) as stream:
        indices = [decode_index(f) for f in read_all(stream)]
    assert indices == sorted(set(indices))
    assert indices[-1] == 59


def test_cap_prop_options_reach_the_capture(tmp_path):
    path = indexed_video(tmp_path, 30, "FFV1", "mkv")
    with CamGear(source=str(path), CAP_PROP_POS_FRAMES=10) as stream:
        assert [decode_index(f) for f in read_all(stream)] == list(range(10, 30))


@pytest.mark.parametrize("colorspace", ["COLOR_BGR2GRAY", cv2.COLOR_BGR2GRAY])
def test_colorspace_converts_every_frame(tmp_path, colorspace):
    path = indexed_video(tmp_path, 12)
    with CamGear(source=str(path), colorspace=colorspace) as stream:
        frames = read_all(stream)
    assert all(f.shape == (120, 160) for f in frames)
    assert [decode_index(f) for f in frames] == list(range(12))


def test_a_colorspace_that_does_not_fit_the_frames_fails_at_construction(tmp_path):
    path = indexed_video(tmp_path, 3)
    with pytest.raises(ConfigError, match="COLOR_GRAY2BGR"):
        CamGear(source=str(path), colorspace="COLOR_GRAY2BGR")


def test_a_missing_file_raises_a_source_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere.avi"
    with pytest.raises(SourceError, match=r"nowhere\.avi"):
        CamGear(source=str(missing))


def test_a_file_that_is_not_a_video_raises_a_source_error(tmp_path):
    bogus = tmp_path / "notes.avi"
    bogus.write_text("not a video")
    with pytest.raises(SourceError, match=r"notes\.avi"):
        CamGear(source=str(bogus))


def test_a_device_that_cannot_be_opened_raises_a_source_error_naming_it():
    with pytest.raises(SourceError, match="97"):
        CamGear(source=97)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"THREADED_QUEUE": True}, ConfigError, "THREADED_QUEUE_MODE"),
        ({"CAP_PROP_NOPE": 1}, ConfigError, "CAP_PROP_NOPE"),
        ({"CAP_PROP_FPS": "fast"}, ConfigError, "CAP_PROP_FPS"),
        ({"THREAD_TIMEOUT": 0}, ConfigError, "THREAD_TIMEOUT"),
        ({"THREADED_QUEUE_MODE": "yes"}, ConfigError, "THREADED_QUEUE_MODE"),
        ({"time_delay": -1}, ConfigError, "time_delay"),
        ({"colorspace": "BGR2GRAY"}, ConfigError, "colorspace"),
        ({"backend": -1}, ConfigError, "backend"),
        ({"stream_mode": True}, UnsupportedOptionError, "stream_mode"),
        ({"STREAM_RESOLUTION": "720p"}, UnsupportedOptionError, "STREAM_RESOLUTION"),
    ],
)
def test_invalid_parameters_are_rejected_by_name(tmp_path, kwargs, error, match):
    path = indexed_video(tmp_path, 2)
    with pytest.raises(error, match=match):
        CamGear(source=str(path), **kwargs)


@pytest.mark.parametrize("source", [None, True, 1.5, -1])
def test_invalid_sources_are_config_errors(source):
    with pytest.raises(ConfigError, match="source"):
        CamGear(source=source)


def test_read_before_start_and_start_after_stop_are_errors(tmp_path):
    stream = CamGear(source=str(indexed_video(tmp_path, 3)))
    with pytest.raises(SourceError, match="start"):
        stream.read()
    stream.stop()
    assert stream.read() is None
    with pytest.raises(SourceError, match="stopped"):
        stream.start()


def test_logging_true_reports_the_lifecycle_at_info_without_handlers(tmp_path, caplog):
    path = indexed_video(tmp_path, 3)
    caplog.set_level(logging.DEBUG, logger="framehub")
    with CamGear(source=str(path), logging=True) as stream:
        read_all(stream)
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("opened" in m for m in infos)
    assert any("stopped" in m for m in infos)
    assert not logging.getLogger("framehub.sources.camgear").handlers


def test_without_logging_nothing_is_reported_above_debug(tmp_path, caplog):
    path = indexed_video(tmp_path, 3)
    caplog.set_level(logging.DEBUG, logger="framehub")
    with CamGear(source=str(path)) as stream:
        read_all(stream)
    assert caplog.records
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def test_color_space_set_while_streaming_applies_to_frames_already_queued(tmp_path):
    path = indexed_video(tmp_path, QUEUE_SIZE + 20, "FFV1", "mkv")
    with CamGear(source=str(path), colorspace="COLOR_BGR2GRAY") as stream:
        assert stream.read().ndim == 2
        time.sleep(0.2)  # let the reader fill the queue with frames read before the change
        stream.color_space = cv2.COLOR_BGR2HSV
        hsv = stream.read()
        stream.color_space = "COLOR_BGR2RGB"
        rest = read_all(stream)
    assert hsv.ndim == 3 and decode_index(hsv[:, :, 2]) == 1
    assert len(rest) == QUEUE_SIZE + 18 and all(f.ndim == 3 for f in rest)


def test_a_color_space_that_is_not_a_cv2_code_is_refused(tmp_path):
    path = indexed_video(tmp_path, 3)
    with CamGear(source=str(path)) as stream:
        with pytest.raises(ConfigError, match="COLOR_BGR2INVALID"):
            stream.color_space = "COLOR_BGR2INVALID"
        assert stream.color_space is None
        assert len(read_all(stream)) == 3


def test_a_color_space_that_does_not_fit_the_frames_is_dropped_with_a_warning(tmp_path, caplog):
    path = indexed_video(tmp_path, 5)
    with CamGear(source=str(path)) as stream, caplog.at_level(logging.WARNING, "framehub"):
        stream.read()
        stream.color_space = cv2.COLOR_GRAY2BGR  # these frames have three channels
        frames = read_all(stream)
    assert [f.shape[2] for f in frames] == [3] * 4
    assert stream.color_space is None
    assert caplog.text.count("cannot convert frames") == 1
