"""A sender's close reports a loss only when it cannot have reached the hub."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from framehub import Hub, HubConfig, Sender, SenderConfig, ServerState
from support import free_ports

pytestmark = pytest.mark.timeout(60)


def test_a_goodbye_held_back_by_a_busy_hub_is_not_reported_lost(caplog):
    (port,) = free_ports(1)
    image = np.zeros((48, 64, 3), np.uint8)
    hub_config = HubConfig(ports=(port,), address="127.0.0.1", queue_size=1, jpeg=None)
    with Hub(hub_config) as hub:
        sender = Sender(
            SenderConfig(port=port, address="127.0.0.1", jpeg=None, window=4, close_timeout=0.5)
        )
        # The hub queues one frame and, lossless, holds the next one back, reading
        # nothing more from this server until its consumer takes a frame: which it
        # does only after the sender's close has run out of time.
        for _ in range(2):
            sender.send(image)
        assert sender.stats.in_flight == 1
        with caplog.at_level(logging.INFO, logger="framehub"):
            start = time.monotonic()
            sender.close()
            assert time.monotonic() - start < 1.0
        assert "confirmed the end of the stream" in caplog.text  # said, at INFO
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        stats = sender.stats
        assert stats.dropped == 0
        assert stats.acknowledged + stats.in_flight == stats.sent == 2
        # The hub did have everything: both frames, then the goodbye that ends it.
        got = 0
        while hub.recv(timeout=5.0) is not None:
            got += 1
        assert got == 2
        assert [s.state for s in hub.status()] == [ServerState.ENDED]
