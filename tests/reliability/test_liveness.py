"""Servers that die and come back; a hub that dies and comes back."""

from __future__ import annotations

import json
import signal
import time

import pytest

from framehub import EventKind, Hub, HubConfig, Lifetime, ServerState
from support import Child, free_ports

pytestmark = pytest.mark.timeout(120)


def camera(port: int, *extra: str) -> Child:
    child = Child("camera.py", ["--port", str(port), "--fps", "30", *extra])
    child.wait_for("READY")
    return child


def wait_event(hub: Hub, kind: EventKind, source: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in hub.events():
            if event.kind is kind and event.source == source:
                return time.monotonic()
        time.sleep(0.01)
    raise AssertionError(f"no {kind.value} event for {source} within {timeout}s")


def test_a_killed_server_is_gone_soon_and_accepted_again_at_once(collect):
    ports = free_ports(3)
    sources = [str(p) for p in ports]
    victim = sources[0]
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:
        cameras = {s: camera(int(s)) for s in sources}
        frames = collect(hub)
        frames.wait(lambda: frames.sources() == set(sources))
        hub.events()

        cameras[victim].proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        cameras[victim].kill()  # reap it
        killed_wall = time.time()
        gone = wait_event(hub, EventKind.GONE, victim, timeout=5.0)
        detection = gone - killed
        # The others did not stall meanwhile (30 fps each).
        time.sleep(max(0.0, killed + 2.0 - time.monotonic()))
        for other in sources[1:]:
            assert frames.count(other, since=killed_wall) >= 50
        assert {s.source: s.state for s in hub.status()}[victim] is ServerState.GONE

        cameras[victim] = camera(int(victim))
        ready_wall = time.time()
        frames.wait(lambda: frames.count(victim, since=ready_wall) > 0, timeout=5.0)
        back = next(at for s, _, at, _ in frames.frames if s == victim and at >= ready_wall)
        recovery = back - ready_wall
        for child in cameras.values():
            child.kill()
    print(
        json.dumps(
            {
                "gone_detection_s": round(detection, 3),
                "restart_to_first_frame_s": round(recovery, 3),
            }
        )
    )
    assert detection <= 3.0
    assert recovery <= 1.0


@pytest.mark.slow
def test_servers_outlive_a_hub_outage_and_resume_when_it_returns():
    ports = free_ports(2)
    args = ["--ports", *map(str, ports)]
    hub = Child("hub.py", args)
    hub.wait_for("READY")
    cameras = [
        Child("camera.py", ["--port", str(p), "--fps", "30", "--seconds", "60"]) for p in ports
    ]
    try:
        for _ in ports:
            hub.wait_for("FRAME")
        hub.proc.send_signal(signal.SIGKILL)
        hub.kill()
        time.sleep(20)
        hub = Child("hub.py", args)
        ready = float(hub.wait_for("READY") and time.monotonic())
        first = [float(hub.wait_for("FRAME", timeout=10).split()[2]) for _ in ports]
        resumed = max(first) - ready
        assert all(c.proc.poll() is None for c in cameras), "a server gave up"
        for child in cameras:
            child.proc.send_signal(signal.SIGTERM)
        results = [child.result(15) for child in cameras]
    finally:
        for child in [hub, *cameras]:
            child.kill()
    print(
        json.dumps(
            {
                "resume_after_hub_return_s": round(resumed, 3),
                "dropped_during_outage": [r["dropped"] for r in results],
            }
        )
    )
    assert resumed <= 2.0
    for result in results:
        assert result["error"] is None
        # About 20 s at 30 fps were dropped and counted, not queued.
        assert 500 <= result["dropped"] <= 800


def test_max_retries_raises_after_that_many_consecutive_failures():
    (port,) = free_ports(1)
    hub = Child("hub.py", ["--ports", str(port)])
    hub.wait_for("READY")
    server = Child(
        "camera.py", ["--port", str(port), "--request-timeout", "0.5", "--max-retries", "3"]
    )
    try:
        hub.wait_for("FRAME")
        hub.proc.send_signal(signal.SIGKILL)
        result = server.result(20)
    finally:
        hub.kill()
        server.kill()
    assert result["error"] is not None and "PeerTimeout" in result["error"]
    assert "3 time(s) in a row" in result["error"]
    assert result["failures"] == 3
