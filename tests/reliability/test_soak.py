"""Thousands of connects and disconnects: nothing leaks on either side."""

from __future__ import annotations

import json
import time

import pytest

from framehub import Hub, HubConfig, Lifetime
from support import Child, free_ports, usage

SECONDS = 75.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SECONDS + 90)]


def test_eight_servers_churning_leak_nothing(collect):
    ports = [str(p) for p in free_ports(8)]
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:
        frames = collect(hub)
        servers = Child("churn.py", ["--ports", *ports, "--seconds", str(SECONDS)])
        try:
            frames.wait(lambda: len(frames.sources()) == 8, timeout=30)
            time.sleep(5.0)  # past start-up allocations
            before = usage()
            result = servers.result(SECONDS + 60)
        finally:
            servers.kill()
        time.sleep(2.0)  # let the last connections close
        after = usage()
        delivered = len(frames.frames)
        rejected = hub.rejected
    print(
        json.dumps(
            {
                "cycles": result["cycles"],
                "delivered": delivered,
                "hub_before": before,
                "hub_after": after,
                "servers": result,
            }
        )
    )
    assert result["errors"] == []
    assert result["cycles"] >= 2000
    assert rejected == 0
    # Descriptors and threads come back; memory stays flat (allowing for allocator noise).
    for side_before, side_after in ((before, after), (result["before"], result["after"])):
        assert side_after["fds"] <= side_before["fds"] + 4
        assert side_after["threads"] <= side_before["threads"] + 1
        assert side_after["rss_kb"] <= side_before["rss_kb"] + 30_000
