"""Thousands of connects and disconnects: nothing leaks on either side."""

from __future__ import annotations

import json

import pytest

from framehub import Hub, HubConfig, Lifetime
from support import Child, free_ports, usage, wait_for

# About 80 connect-send-disconnect cycles a second: 45 s gives some 3,600, well over the
# 2,000 the leak checks need, and keeps the whole suite inside its ten minutes.
SECONDS = 45.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SECONDS + 90)]


def test_eight_servers_churning_leak_nothing(collect):
    ports = [str(p) for p in free_ports(8)]
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:
        frames = collect(hub)
        servers = Child("churn.py", ["--ports", *ports, "--seconds", str(SECONDS)])
        try:
            frames.wait(lambda: len(frames.sources()) == 8, timeout=30)
            # Past start-up allocations: every server has connected and gone a few times.
            frames.wait(lambda: len(frames.frames) >= 2_000, timeout=30)
            before = usage()
            result = servers.result(SECONDS + 60)
        finally:
            servers.kill()
        # The last connections close: descriptors come back (or the assertion below says).
        wait_for(lambda: usage()["fds"] <= before["fds"] + 4, timeout=10, what="fds released")
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
