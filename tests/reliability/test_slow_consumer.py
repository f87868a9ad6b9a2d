"""A consumer slower than its servers gets bounded lag under both delivery policies."""

from __future__ import annotations

import json
import threading
import time

import pytest

from framehub import Hub, HubConfig, Policy
from support import Child, free_ports

pytestmark = pytest.mark.timeout(120)

SECONDS = 20.0


def consume(hub: Hub, delay: float, out: list[tuple[str, dict, float]]) -> None:
    """Slowly, until every server has said goodbye."""
    for frame in hub:
        out.append((frame.source, frame.message, time.time() - frame.sent_at))
        time.sleep(delay)


def test_slow_consumer_under_each_policy():
    lossless_ports = free_ports(2)
    (latest_port,) = free_ports(1)
    lossless = Hub(
        HubConfig(
            ports=tuple(lossless_ports),
            address="127.0.0.1",
            pattern=1,
            policy=Policy.LOSSLESS,
        )
    )
    latest = Hub(
        HubConfig(
            ports=(latest_port,),
            address="127.0.0.1",
            pattern=2,
            policy=Policy.LATEST,
        )
    )
    fast, slow = lossless_ports
    cameras = {
        "fast": Child("camera.py", ["--port", str(fast), "--fps", "60", "--seconds", str(SECONDS)]),
        "slow": Child("camera.py", ["--port", str(slow), "--fps", "5", "--seconds", str(SECONDS)]),
        "latest": Child(
            "camera.py",
            [
                "--port",
                str(latest_port),
                "--fps",
                "30",
                "--pattern",
                "2",
                "--seconds",
                str(SECONDS),
            ],
        ),
    }
    got_lossless: list[tuple[str, dict, float]] = []
    got_latest: list[tuple[str, dict, float]] = []
    try:
        consumers = [
            threading.Thread(target=consume, args=(lossless, 1 / 15, got_lossless)),
            threading.Thread(target=consume, args=(latest, 1 / 10, got_latest)),
        ]
        for thread in consumers:
            thread.start()
        for thread in consumers:
            thread.join(SECONDS + 30)
        dropped_latest = {s.source: s.dropped for s in latest.status()}[str(latest_port)]
    finally:
        results = {name: child.result(20) for name, child in cameras.items()}
        lossless.close()
        latest.close()

    ages = {
        name: max(age for source, _, age in got if source == str(port))
        for name, got, port in [
            ("fast", got_lossless, fast),
            ("slow", got_lossless, slow),
            ("latest", got_latest, latest_port),
        ]
    }
    print(
        json.dumps(
            {
                "max_age_s": {k: round(v, 3) for k, v in ages.items()},
                "latest_dropped": dropped_latest,
                "delivered": {"lossless": len(got_lossless), "latest": len(got_latest)},
            }
        )
    )
    # Lossless: every frame each server handed over arrives, in order, and the fast
    # server (held back to the consumer's pace) never makes the slow one wait long.
    for name, port in (("fast", fast), ("slow", slow)):
        indices = [m["i"] for s, m, _ in got_lossless if s == str(port)]
        assert indices == list(range(results[name]["handed"]))
        assert results[name]["dropped"] == 0
    assert ages["fast"] < 3.0
    assert ages["slow"] < 1.5
    # Latest: the newest frames arrive; the older ones were dropped and counted.
    assert ages["latest"] < 2.0
    assert dropped_latest > 0
    indices = [m["i"] for _, m, _ in got_latest]
    assert indices == sorted(indices)
