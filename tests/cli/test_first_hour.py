"""What a new user meets in the first hour: `serve`, `view`, `demo` and `keys` run as
separate processes, as on real hosts."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from sources.videos import indexed_video
from web.viewing import framehub, run_framehub, stop, viewer_url, wait_for_status

from support import Child, free_ports

pytestmark = pytest.mark.timeout(90)


def last_json(text: str) -> dict[str, Any]:
    """The JSON document a command printed last (``--json``, ``--stats``)."""
    line = next(line for line in reversed(text.splitlines()) if line.startswith("{"))
    return json.loads(line)  # type: ignore[no-any-return]


def rows_by_server(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["server"]: row for row in summary["servers"]}


def finish(*children: Child) -> None:
    for child in children:
        child.kill()


def test_two_servers_on_one_port_are_reported_once_and_count_no_false_drops():
    port = str(free_ports(1)[0])
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", port, "--http", "127.0.0.1:0", "--json",
    )  # fmt: skip
    servers: list[Child] = []
    try:
        base = viewer_url(view)
        servers = [
            framehub("serve", "--port", port, "--name", name, "--fps", "20", "--stats")
            for name in ("door", "yard")
        ]
        for server in servers:
            server.wait_for("framehub serve: connected to the hub")
        doc = wait_for_status(base, lambda d: len(d["servers"][0].get("shared", [])) == 2)
        ids = doc["servers"][0]["shared"]
        # Long enough interleaved for the old numbering to have counted hundreds lost.
        wait_for_status(base, lambda d: d["servers"][0]["frames"] >= 80)
        assert {sender.rsplit("/", 1)[1] for sender in ids} == {str(s.proc.pid) for s in servers}
        acknowledged = 0
        for server in servers:
            assert stop(server) == 0, server.text()
            acknowledged += last_json(server.text())["acknowledged"]
        assert stop(view) == 0, view.text()
    finally:
        finish(view, *servers)
    warnings = [line for line in view.output if "WARNING" in line]
    # Said once, naming the port and both senders.
    assert len(warnings) == 1, view.text()
    assert f"port {port}" in warnings[0] and all(sender in warnings[0] for sender in ids)
    (row,) = last_json(view.text())["servers"]
    assert row["dropped"] == 0
    assert row["frames"] >= acknowledged > 40


def test_a_named_server_is_shown_by_name_and_port_everywhere(tmp_path):
    port = str(free_ports(1)[0])
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", port, "--http", "127.0.0.1:0",
        "--record", str(tmp_path), "--until-ended",
    )  # fmt: skip
    server = None
    try:
        base = viewer_url(view)
        server = framehub("serve", "--port", port, "--name", "door", "--seconds", "2")
        doc = wait_for_status(base, lambda d: d["servers"][0]["state"] == "streaming")
        assert doc["servers"][0]["label"] == f"door ({port})"
        assert doc["servers"][0]["name"] == "door"
        assert doc["servers"][0]["id"] == port  # the port stays the identity
        assert server.proc.wait(30) == 0, server.text()
        assert view.proc.wait(30) == 0, view.text()
    finally:
        finish(view, *([server] if server else []))
    summary = view.text().split("summary:", 1)[1]
    assert f"door ({port})" in summary and "ended" in summary
    assert list(tmp_path.glob(f"door-{port}_*.avi")), list(tmp_path.iterdir())


def test_view_lists_waiting_servers_and_prints_a_json_summary_per_server():
    streamed, waiting = (str(p) for p in free_ports(2))
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", streamed, waiting, "--no-web",
        "--seconds", "6", "--json",
    )  # fmt: skip
    server = None
    try:
        view.wait_for("framehub view: hub on")
        server = framehub("serve", "--port", streamed, "--fps", "20", "--seconds", "2")
        assert server.proc.wait(30) == 0, server.text()
        assert view.proc.wait(30) == 0, view.text()
    finally:
        finish(view, *([server] if server else []))
    rows = rows_by_server(last_json(view.text()))
    assert rows[waiting]["state"] == "waiting" and rows[waiting]["frames"] == 0
    ended = rows[streamed]
    assert ended["state"] == "ended"
    assert ended["fps"] == 0  # it ended: its rate is 0, not its last one
    assert 14 < ended["fps_mean"] < 26
    assert ended["frames"] > 25 and ended["bytes"] > 0 and ended["dropped"] == 0
    assert ended["latency_ms_p50"] is not None and ended["latency_ms_p99"] is not None


def test_view_prints_a_final_table_when_stopped():
    port = str(free_ports(1)[0])
    view = framehub("view", "--address", "127.0.0.1", "--ports", port, "--no-web")
    try:
        view.wait_for("framehub view: hub on")
        assert stop(view) == 0, view.text()
    finally:
        view.kill()
    summary = view.text().split("summary:", 1)[1]
    assert "server" in summary and port in summary and "waiting" in summary


@pytest.mark.parametrize(("fps", "low", "high"), [(None, 20, 30), ("0", 60, None)])
def test_serve_streams_a_video_file_at_its_frame_rate_unless_told(tmp_path, fps, low, high):
    clip = indexed_video(tmp_path, 75)  # 3 s at 25 fps
    port = str(free_ports(1)[0])
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", port, "--no-web", "--until-ended", "--json",
    )  # fmt: skip
    server = None
    try:
        view.wait_for("framehub view: hub on")
        rate = [] if fps is None else ["--fps", fps]
        server = framehub("serve", "--port", port, "--source", str(clip), "--raw", *rate)
        assert server.proc.wait(60) == 0, server.text()
        assert view.proc.wait(30) == 0, view.text()
    finally:
        finish(view, *([server] if server else []))
    row = rows_by_server(last_json(view.text()))[port]
    assert row["frames"] == 75
    assert row["fps_mean"] > low and (high is None or row["fps_mean"] < high), row


def test_serve_says_when_it_finds_loses_and_finds_the_hub_again():
    port = str(free_ports(1)[0])
    hub_args = ["view", "--address", "127.0.0.1", "--ports", port, "--no-web", "--no-table"]
    view = framehub(*hub_args)
    server = framehub("serve", "--port", port, "--fps", "30")
    views = [view]
    try:
        server.wait_for("framehub serve: streaming test to tcp://127.0.0.1:")
        server.wait_for("framehub serve: connected to the hub at")
        view.kill()
        server.wait_for("framehub serve: the hub at", timeout=30)
        views.append(framehub(*hub_args))
        server.wait_for("framehub serve: back in touch with the hub", timeout=30)
        assert stop(server) == 0, server.text()
    finally:
        finish(server, *views)
    final = next(line for line in server.output if line.startswith("framehub serve: stopped: "))
    assert "acknowledged" in final and "dropped" in final


def test_serve_reports_a_hub_name_that_does_not_resolve():
    done = run_framehub("serve", "--port", "5566", "--address", "no-such-hub.invalid")
    assert done.returncode == 2
    assert "cannot resolve the hub's address 'no-such-hub.invalid'" in done.stderr
    assert "Traceback" not in done.stderr


def test_secure_mode_from_the_keys_command_to_serve_and_view(tmp_path):
    keys = run_framehub("keys", "--folder", str(tmp_path), "--camera", "door", "--camera", "gate")
    assert keys.returncode == 0, keys.stderr
    # The hub no longer trusts "gate": IronHouse refuses it.
    (tmp_path / "keys" / "public_keys" / "gate.key").unlink()
    port, stranger_port = (str(p) for p in free_ports(2))
    secure = ["--secure", "ironhouse", "--keys", str(tmp_path)]
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", port, stranger_port, "--no-web",
        "--seconds", "8", "--json", *secure,
    )  # fmt: skip
    servers: list[Child] = []
    try:
        view.wait_for("framehub view: hub on")
        servers = [
            framehub("serve", "--port", port, "--seconds", "2", *secure, "--key-name", "door"),
            framehub(
                "serve", "--port", stranger_port, "--seconds", "2", *secure, "--key-name", "gate"
            ),
        ]
        for server in servers:
            assert server.proc.wait(30) == 0, server.text()
        assert "ironhouse" in servers[0].output[0]
        assert view.proc.wait(30) == 0, view.text()
    finally:
        finish(view, *servers)
    rows = rows_by_server(last_json(view.text()))
    assert rows[port]["state"] == "ended" and rows[port]["frames"] > 20
    assert rows[stranger_port]["frames"] == 0


def test_demo_takes_its_ports_from_a_base_and_secure_mode(tmp_path):
    assert run_framehub("keys", "--folder", str(tmp_path)).returncode == 0
    base = consecutive_free_ports(2)
    done = run_framehub(
        "demo", "--servers", "2", "--seconds", "2", "--json", "--no-web",
        "--base-port", str(base), "--secure", "stonehouse", "--keys", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = rows_by_server(last_json(done.stdout))
    assert set(rows) == {str(base), str(base + 1)}
    assert {row["label"] for row in rows.values()} == {
        f"camera 1 ({base})",
        f"camera 2 ({base + 1})",
    }


def consecutive_free_ports(count: int) -> int:
    """A first port such that it and the next ``count - 1`` are free right now."""
    for first in free_ports(16):
        if first + count > 65536:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError("no run of free ports found")


def test_an_unknown_argument_shows_the_commands_usage():
    done = run_framehub("serve", "--port", "5566", "--frobnicate")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: framehub serve")
    assert "unrecognized arguments: --frobnicate" in done.stderr


@pytest.mark.parametrize("command", ["demo", "serve", "view"])
def test_help_gives_the_defaults_of_pattern_resolution_and_address(command):
    done = run_framehub(command, "--help")
    text = " ".join(done.stdout.split())
    assert "(default: 1" in text  # --pattern
    if command != "view":
        assert "(default: 640x480)" in text
    if command != "demo":
        assert "--address" in text and "(default: " in text.split("--address", 2)[-1][:200]


def test_keys_run_twice_says_it_kept_the_existing_pairs(tmp_path):
    assert run_framehub("keys", "--folder", str(tmp_path), "--camera", "door").returncode == 0
    again = run_framehub("keys", "--folder", str(tmp_path), "--camera", "door")
    assert again.returncode == 0
    assert "Kept the existing pairs of server, door" in again.stdout


def test_view_republishes_and_a_view_elsewhere_shows_the_cameras_it_asks_for():
    door, yard, pub = (str(p) for p in free_ports(3))
    hub = framehub(
        "view", "--address", "127.0.0.1", "--ports", door, yard, "--no-web", "--no-table",
        "--publish", f"tcp://127.0.0.1:{pub}",
    )  # fmt: skip
    elsewhere = framehub(
        "view", "--from", f"tcp://127.0.0.1:{pub}", "--camera", "door", "--no-web", "--json",
    )  # fmt: skip
    servers: list[Child] = []
    try:
        hub.wait_for("framehub view: hub on")
        elsewhere.wait_for("framehub view: subscribed to")
        servers = [
            framehub("serve", "--port", port, "--name", name, "--fps", "20", "--seconds", "2")
            for port, name in ((door, "door"), (yard, "yard"))
        ]
        for server in servers:
            assert server.proc.wait(30) == 0, server.text()
        assert stop(elsewhere) == 0, elsewhere.text()
        assert stop(hub) == 0, hub.text()
    finally:
        finish(hub, elsewhere, *servers)
    rows = rows_by_server(last_json(elsewhere.text()))
    assert list(rows) == [door], rows
    assert rows[door]["name"] == "door" and rows[door]["state"] == "ended"
    assert rows[door]["frames"] > 20
