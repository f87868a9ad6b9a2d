"""`framehub demo` as a user runs it: real processes, the viewer over real HTTP."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest
from web.viewing import (
    StreamReader,
    all_streaming,
    framehub,
    get,
    run_framehub,
    viewer_url,
    wait_for_status,
)

from support import free_ports

pytestmark = pytest.mark.timeout(60)


def test_demo_streams_every_camera_and_exits_zero():
    done = run_framehub("demo", "--servers", "2", "--seconds", "3", "--json", "--no-web")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["streaming"] == summary["expected"] == 2
    for row in summary["servers"]:
        assert row["state"] == "streaming"
        assert row["frames"] > 30  # 30 fps for 3 s, minus start-up
        assert 20 < row["fps"] < 40
        assert row["latency_ms_p50"] < 100
        assert row["message"].startswith("camera ")


def test_demo_serves_the_viewer_and_ends_by_itself_with_every_server_streaming():
    port = free_ports(1)[0]
    demo = framehub("demo", "--seconds", "8", "--http", f"127.0.0.1:{port}")
    try:
        base = viewer_url(demo)
        assert base == f"http://127.0.0.1:{port}/"
        doc = wait_for_status(base, all_streaming(4))
        assert doc["grid"] == [2, 2]
        assert sorted(tuple(r["tile"]) for r in doc["servers"]) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        for row in doc["servers"]:
            assert row["encoding"] == "jpeg" and row["last_message"].startswith("camera ")
            assert row["label"] == f"{row['name']} ({row['id']})"
            assert row["name"] == row["last_message"]  # "camera N", the same for each
            code, headers, body = get(base + row["snapshot"].lstrip("/"))
            assert code == 200 and headers["Content-Type"] == "image/jpeg"
            image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
            assert image.shape == (480, 640, 3)
        reader = StreamReader(base + doc["servers"][0]["stream"].lstrip("/"))
        reader.start()
        assert reader.first.wait(10), reader.error
        reader.stop()
        result = demo.proc.wait(30)
    finally:
        demo.kill()
    assert result == 0, demo.text()
    summary = demo.text().split("summary:", 1)[1].splitlines()
    assert summary[0].strip() == "4 of 4 camera(s) streaming"
    rows = [line for line in summary[2:] if line.strip()]
    # Each camera is shown by its name and port.
    assert len(rows) == 4, summary
    assert all(re.match(r"\s*camera \d \(\d+\)\s+streaming ", row) for row in rows), summary


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo", "--resolution", "big"], "WIDTHxHEIGHT"),
        (["demo", "--servers", "0"], "at least 1"),
        (["demo", "--http", "nonsense"], "HOST:PORT"),
        (["demo", "--jpeg-quality", "5"], "10 to 100"),
        (["view"], "--ports"),
        (["view", "--ports", "5566", "5566", "--no-web"], "distinct"),
        (["view", "--ports", "70000"], "port out of range"),
        (["view", "--ports", "5566", "--window"], "--window"),
        (["serve", "--port", "5566", "--source", "/no/such/clip.mp4"], "clip.mp4"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_two(args, expected):
    done = run_framehub(*args)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr


def test_a_taken_web_port_is_a_clear_error():
    busy = framehub("view", "--ports", *map(str, free_ports(1)), "--http", "127.0.0.1:0")
    try:
        taken = viewer_url(busy).rsplit(":", 1)[1].strip("/")
        port = str(free_ports(1)[0])
        done = run_framehub("view", "--ports", port, "--http", f"127.0.0.1:{taken}")
        assert done.returncode == 2
        assert "cannot serve the web viewer" in done.stderr and "Traceback" not in done.stderr
    finally:
        busy.kill()


@pytest.mark.parametrize("command", ["demo", "serve", "view"])
def test_every_command_explains_itself_with_examples(command):
    done = run_framehub(command, "--help")
    assert done.returncode == 0
    assert "examples:" in done.stdout and "exit codes:" in done.stdout
    assert "--log-level" in done.stdout


def test_demo_cameras_send_h264_at_the_bitrate_asked_for():
    done = run_framehub(
        "demo", "--servers", "2", "--seconds", "3", "--json", "--no-web",
        "--codec", "h264", "--bitrate", "400k", "--preset", "superfast",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "H.264 at 0.4 Mbit/s" in done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["streaming"] == summary["expected"] == 2
    for row in summary["servers"]:
        assert row["frames"] > 30 and row["discarded"] == 0
        # 400 kbit/s at 30 fps is 1.7 kB a frame; one JPEG of this scene is over 20 kB.
        assert row["bytes"] / row["frames"] < 4_000


def test_demo_refuses_contradicting_codec_options_before_any_camera_starts():
    done = run_framehub("demo", "--seconds", "3", "--no-web", "--raw", "--codec", "h264")
    assert done.returncode != 0
    assert "--raw and --codec h264 contradict each other" in done.stderr
    assert "camera 1" not in done.stdout + done.stderr
