"""The hub runner's sinks in-process: the table, the recorder, the window."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from web.viewing import Feed

from framehub.cli import record, window
from framehub.cli.common import CommandError
from framehub.cli.record import Recorder, file_name
from framehub.cli.table import LiveTable
from support import free_ports

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def feed() -> Iterator[Feed]:
    feed = Feed(free_ports(1)[0], raw=False)
    yield feed
    feed.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_table_redraws_in_place_on_a_terminal_and_appends_elsewhere(feed):
    frame = feed.next()
    terminal, log = Terminal(), io.StringIO()
    tables = [LiveTable(terminal), LiveTable(log)]
    for table in tables:
        table.frame(frame)
        table.status(feed.hub.status())
        table.status(feed.hub.status())
    assert tables[0].interval == 1.0 and tables[1].interval == 10.0
    assert terminal.getvalue().count("\x1b[2F\x1b[J") == 1  # header + one row, redrawn
    assert "\x1b" not in log.getvalue() and log.getvalue().count("server") == 2
    (row,) = tables[1].rows()
    assert row["server"] == feed.port and row["state"] == "streaming"
    assert row["frames"] == 1 and row["message"] == "frame 1"
    assert row["latency_ms_p50"] is not None


def test_file_names_are_server_and_start_time():
    started = time.mktime((2024, 5, 17, 9, 3, 7, 0, 0, -1))
    assert file_name("5566", started, "avi") == "5566_20240517-090307.avi"
    assert file_name("tcp://a b/c", started, "mp4") == "tcp___a_b_c_20240517-090307.mp4"


def test_recorder_rotates_by_frame_time_and_closes_ended_servers(tmp_path, feed):
    recorder = Recorder(tmp_path, rotate=0.3, container="mp4")
    sent = 0
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        recorder.frame(feed.next())
        sent += 1
        time.sleep(0.02)
    feed.sender.close()
    while feed.hub.recv(timeout=5) is not None:
        pass
    recorder.status(feed.hub.status())  # ended: its file is finished without close()
    recorder.close()
    files = sorted(tmp_path.glob(f"{feed.port}_*.mp4"))
    assert len(files) >= 3 and files == sorted(recorder.files)
    counts = [int(cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT)) for path in files]
    assert sum(counts) == sent and recorder.dropped == 0


def test_a_recording_directory_that_cannot_be_made_is_a_command_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="cannot record"):
        Recorder(blocker / "videos")


def test_recorder_drops_rather_than_blocks_when_it_falls_behind(tmp_path, feed, monkeypatch):
    gate = threading.Event()
    real = record.Recorder._write
    monkeypatch.setattr(record.Recorder, "_write", lambda self, f: (gate.wait(5), real(self, f)))
    recorder = Recorder(tmp_path, backlog=2)
    frame = feed.next()
    started = time.monotonic()
    for _ in range(10):
        recorder.frame(frame)
    assert time.monotonic() - started < 0.5
    assert 7 <= recorder.dropped <= 8  # one taken by the worker, two queued
    gate.set()
    recorder.close()


class FakeGui:
    """cv2's window functions, for a build that has none."""

    def __init__(self) -> None:
        self.shown: list[np.ndarray] = []
        self.keys = [-1, ord("q")]
        self.destroyed = False

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(window, "gui_problem", lambda: None)
        monkeypatch.setattr(cv2, "namedWindow", lambda *a: None)
        monkeypatch.setattr(cv2, "imshow", lambda title, image: self.shown.append(image))
        monkeypatch.setattr(cv2, "waitKey", lambda delay: self.keys.pop(0) if self.keys else -1)
        monkeypatch.setattr(cv2, "getWindowProperty", lambda *a: 1.0)
        monkeypatch.setattr(cv2, "destroyWindow", lambda *a: setattr(self, "destroyed", True))


def test_window_shows_the_montage_and_q_stops(monkeypatch, feed):
    gui = FakeGui()
    gui.install(monkeypatch)
    stop = threading.Event()
    shown = window.Window(stop, [feed.port, "other"], tile_size=(160, 120))
    shown.frame(feed.next())
    shown.status(feed.hub.status())
    assert not stop.is_set()
    assert gui.shown[0].shape == (120, 320, 3)
    assert gui.shown[0][:, :160].std() > 10  # the frame is drawn in the first tile
    shown.status(feed.hub.status())
    assert stop.is_set()
    shown.close()
    assert gui.destroyed


def test_window_says_why_it_cannot_open(monkeypatch):
    monkeypatch.setattr(window, "gui_problem", lambda: "no GUI here")
    with pytest.raises(CommandError, match="no GUI here"):
        window.Window(threading.Event())
