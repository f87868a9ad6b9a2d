"""`framehub serve` and `framehub view` as separate processes, as on real hosts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import pytest
from web.viewing import (
    StreamReader,
    all_streaming,
    framehub,
    get,
    stop,
    viewer_url,
    wait_for_status,
)

from support import Child, free_ports

pytestmark = pytest.mark.timeout(60)


def frames_in(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), path
    count = 0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                return count
            assert image.shape == (240, 320, 3)
            count += 1
    finally:
        capture.release()


@pytest.mark.parametrize("container", ["avi", "mp4"])
def test_view_records_every_frame_of_every_server_in_rotated_files(tmp_path, container):
    ports = [str(p) for p in free_ports(2)]
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", *ports, "--no-web", "--no-table",
        "--record", str(tmp_path), "--record-format", container, "--rotate", "1",
        "--until-ended",
    )  # fmt: skip
    servers = []
    try:
        view.wait_for("recording to ")
        serve = ["serve", "--resolution", "320x240", "--fps", "20", "--seconds", "2.5", "--stats"]
        servers = [framehub(*serve, "--port", port) for port in ports]
        stats = {}
        for port, server in zip(ports, servers, strict=True):
            assert server.proc.wait(30) == 0, server.text()
            stats[port] = json.loads(server.wait_for("{"))
        assert view.proc.wait(30) == 0, view.text()
    finally:
        for child in [view, *servers]:
            child.kill()
    for port in ports:
        files = sorted(tmp_path.glob(f"{port}_*.{container}"))
        # 2.5 s of frames, a new file every second: three files, sometimes four.
        assert 3 <= len(files) <= 4, files
        for path in files:
            stamp = path.stem.split("_", 1)[1]
            time.strptime(stamp.split("-", 2)[0] + "-" + stamp.split("-", 2)[1], "%Y%m%d-%H%M%S")
        assert stats[port]["acknowledged"] > 40
        assert sum(frames_in(path) for path in files) == stats[port]["acknowledged"]


def test_view_shows_servers_that_join_later_and_stops_cleanly_on_sigterm():
    ports = [str(p) for p in free_ports(2)]
    web = str(free_ports(1)[0])
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", *ports, "--http", f"127.0.0.1:{web}",
    )  # fmt: skip
    servers = []
    reader = None
    try:
        base = viewer_url(view)
        doc = wait_for_status(base, lambda d: len(d["servers"]) == 2)
        assert {r["state"] for r in doc["servers"]} == {"waiting"}
        servers = [framehub("serve", "--port", port, "--raw") for port in ports]
        doc = wait_for_status(base, all_streaming(2))
        assert {r["encoding"] for r in doc["servers"]} == {"raw"}
        reader = StreamReader(base + "montage.mjpg")
        reader.start()
        assert reader.first.wait(10), reader.error
        for server in servers:
            assert stop(server) == 0, server.text()
        doc = wait_for_status(base, lambda d: {r["state"] for r in d["servers"]} == {"ended"})
        started = time.monotonic()
        assert stop(view) == 0, view.text()
        assert time.monotonic() - started < 5
        assert "Traceback" not in view.text()
    finally:
        if reader is not None:
            reader.stop()
        for child in [view, *servers]:
            child.kill()


def test_view_takes_imagezmq_senders_by_name_and_records_them(tmp_path):
    port, web = (str(p) for p in free_ports(2))
    view = framehub(
        "view", "--address", "127.0.0.1", "--imagezmq-port", port, "--http", f"127.0.0.1:{web}",
        "--record", str(tmp_path), "--no-table",
    )  # fmt: skip
    senders = []
    try:
        base = viewer_url(view)
        address = f"tcp://127.0.0.1:{port}"
        senders = [
            Child("imagezmq_sender.py", ["--address", address, "--name", "pi1|front"]),
            Child("imagezmq_sender.py", ["--address", address, "--name", "pi2|back", "--jpg"]),
        ]
        doc = wait_for_status(base, all_streaming(2))
        rows = {row["id"]: row for row in doc["servers"]}
        assert {row["via"] for row in rows.values()} == {port}
        assert rows["pi1|front"]["label"] == "pi1|front"
        assert (rows["pi1|front"]["encoding"], rows["pi2|back"]["encoding"]) == ("raw", "jpeg")
        code, _, body = get(base.split("?")[0].rstrip("/") + rows["pi2|back"]["snapshot"])
        assert code == 200 and body.startswith(b"\xff\xd8")
        for sender in senders:
            sender.proc.terminate()
            assert sender.result()["replies"]
        assert stop(view) == 0, view.text()
    finally:
        for child in [view, *senders]:
            child.kill()
    assert "imagezmq senders on tcp://127.0.0.1:" in view.text()
    assert sorted(path.name.split("_2")[0] for path in tmp_path.glob("*.avi")) == [
        "pi1_front",
        "pi2_back",
    ]


def test_view_records_and_shows_an_h264_server(tmp_path):
    """The recorder re-encodes decoded H.264 frames like raw ones; the viewer's status
    says how the server's frames travel."""
    (port,) = [str(p) for p in free_ports(1)]
    web = str(free_ports(1)[0])
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", port, "--http", f"127.0.0.1:{web}",
        "--no-table", "--record", str(tmp_path), "--record-format", "avi", "--until-ended",
    )  # fmt: skip
    server = None
    try:
        base = viewer_url(view)
        serve = ["serve", "--resolution", "320x240", "--fps", "20", "--seconds", "2", "--stats"]
        server = framehub(*serve, "--port", port, "--codec", "h264", "--bitrate", "500k")
        doc = wait_for_status(base, all_streaming(1))
        assert wait_for_status(base, lambda d: d["servers"][0]["encoding"] == "h264")
        assert server.proc.wait(30) == 0, server.text()
        stats = json.loads(server.wait_for("{"))
        assert view.proc.wait(30) == 0, view.text()
    finally:
        for child in [view, server]:
            if child is not None:
                child.kill()
    assert doc["servers"][0]["state"] == "streaming"
    recorded = sum(frames_in(path) for path in tmp_path.glob(f"{port}_*.avi"))
    assert stats["acknowledged"] > 20
    assert recorded == stats["acknowledged"]
