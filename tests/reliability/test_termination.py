"""Goodbyes that always arrive, PUB/SUB included."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from framehub import EventKind, Hub, HubConfig, Lifetime
from support import free_ports

pytestmark = pytest.mark.timeout(120)

CLOSES = 100

SENDERS = textwrap.dedent("""
    import sys, numpy as np
    from framehub import Sender, SenderConfig
    frame = np.zeros((48, 64, 3), np.uint8)
    for i in range(int(sys.argv[2])):
        with Sender(SenderConfig(port=sys.argv[1], address="127.0.0.1", pattern=2,
                                 multiserver=False)) as sender:
            sender.send(frame, message=i)
    print("DONE", flush=True)
""")


def test_every_publish_subscribe_goodbye_reaches_the_hub():
    (port,) = free_ports(1)
    config = HubConfig(
        ports=(port,), address="127.0.0.1", pattern=2, multiserver=False, lifetime=Lifetime.SERVICE
    )
    with Hub(config) as hub:
        done = subprocess.run(
            [sys.executable, "-c", SENDERS, str(port), str(CLOSES)],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert done.stdout.strip() == "DONE", done.stderr
        deadline = time.monotonic() + 5
        ended = 0
        while ended < CLOSES and time.monotonic() < deadline:
            ended += sum(1 for e in hub.events() if e.kind is EventKind.ENDED)
            time.sleep(0.05)
    assert ended == CLOSES


def test_queued_frames_are_delivered_before_the_end():
    (port,) = free_ports(1)
    config = HubConfig(ports=(port,), address="127.0.0.1", queue_size=64, multiserver=False)
    with Hub(config) as hub:
        script = SENDERS.replace("pattern=2", "pattern=1").replace(
            "sender.send(frame, message=i)", "[sender.send(frame, message=k) for k in range(40)]"
        )
        subprocess.run([sys.executable, "-c", script, str(port), "1"], check=True, timeout=60)
        # The sender has closed; its 40 frames are all still delivered, then None.
        messages = []
        while (frame := hub.recv(timeout=10)) is not None:
            messages.append(frame.message)
        assert messages == list(range(40))
