"""A consumer slower than its servers gets fresh frames, over real sockets (senders in threads)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import framehub.api.decoding as decoding
from framehub import Hub, HubConfig, JpegConfig, Pace, PeerTimeout, Policy, Sender, SenderConfig
from support import free_ports, send_frames

pytestmark = pytest.mark.timeout(60)

IMAGE = np.random.default_rng(3).integers(0, 256, (120, 160, 3), dtype=np.uint8)


def camera(port: int, *, fps: float, count: int, **extra):  # type: ignore[no-untyped-def]
    config = SenderConfig(port=port, address="127.0.0.1", **{"jpeg": None, **extra})
    return send_frames(config, [IMAGE] * count, fps)


def test_lossless_acknowledges_on_take_so_each_server_waits_about_two_rounds(background):
    """Two cameras at 30 fps into a consumer taking 40 ms a frame: a round is 80 ms. A
    frame is acknowledged when the consumer takes it, so each server has one frame at
    the hub and one in send(). Acknowledged on arrival, more waited at the hub."""
    ports = free_ports(2)
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", policy=Policy.LOSSLESS)
    turn = 0.04
    with Hub(config) as hub:
        for port in ports:
            background.start(str(port), camera(port, fps=30, count=75))
        ages, order, paces = [], {str(p): [] for p in ports}, set()
        for frame in hub:
            ages.append(time.time() - frame.sent_at)
            order[frame.source].append(frame.message["i"])
            paces.add(hub.pace)
            time.sleep(turn)
    background.join()
    for port in ports:
        stats = background.result(str(port))
        assert (stats.dropped, stats.acknowledged) == (0, 75)
        assert order[str(port)] == list(range(75)), "lossless: every frame, in order"
    assert paces == {Pace.BEHIND}, "the hub saw its consumer behind, all along"
    ages.sort()
    p90 = ages[int(0.9 * len(ages))]
    # sent_at is stamped once send() lets the frame go: one round at the hub (about
    # 80 ms here), where acknowledging on arrival made it 250-300 ms.
    assert p90 < 2 * 2 * turn, f"p90 age {p90:.3f} s, more than two rounds"


def test_latest_keeps_only_the_newest_across_a_stall_and_at_the_end(background):
    """A consumer that stops taking frames for a while, then comes back, gets the
    newest frame, not a backlog; at the end of the stream only the newest is left."""
    (port,) = free_ports(1)
    config = HubConfig(ports=(port,), address="127.0.0.1", policy=Policy.LATEST)
    with Hub(config) as hub:
        background.start("s", camera(port, fps=60, count=150))  # 2.5 s
        first = hub.recv(timeout=5)
        assert first is not None
        time.sleep(1.0)  # the consumer is busy elsewhere: about 60 frames arrive
        back = hub.recv(timeout=5)
        assert back is not None
        assert time.time() - back.sent_at < 0.1, "a stale frame after the stall"
        background.join()  # the stream ends while nobody takes frames
        rest = list(hub)
    assert [f.message["i"] for f in rest] == [149], "only the newest frame waits"
    (status,) = hub.status()
    assert status.dropped > 100


@pytest.mark.parametrize("policy", list(Policy))
def test_a_queue_of_one_serves_every_server(background, policy):
    ports = free_ports(2)
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", queue_size=1, policy=policy)
    with Hub(config) as hub:
        for port in ports:
            background.start(str(port), camera(port, fps=100, count=60))
        got: dict[str, list[int]] = {str(p): [] for p in ports}
        for frame in hub:
            got[frame.source].append(frame.message["i"])
            time.sleep(0.005)
    for port in ports:
        indices = got[str(port)]
        assert indices == sorted(indices) and indices[-1] == 59
        if policy is Policy.LOSSLESS:
            assert indices == list(range(60))


def test_jpeg_frames_are_decoded_off_the_consumers_thread(background, monkeypatch):
    """Frames waiting behind another are decoded by the hub's workers while the
    consumer is busy, not by the consumer when it takes them."""
    decoders: list[str] = []
    real = decoding.decode_frame

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        decoders.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(decoding, "decode_frame", recording)
    ports = free_ports(3)
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", policy=Policy.LOSSLESS)
    with Hub(config) as hub:
        for port in ports:
            background.start(str(port), camera(port, fps=30, count=30, jpeg=JpegConfig()))
        consumer = threading.current_thread().name
        for frame in hub:
            assert frame.image.shape == IMAGE.shape
            time.sleep(0.02)
    assert len(decoders) >= 90
    on_workers = sum(name.startswith("framehub-decode") for name in decoders)
    assert decoders.count(consumer) + on_workers == len(decoders)
    assert on_workers >= 0.8 * len(decoders), f"{on_workers} of {len(decoders)} on workers"


def test_a_success_resets_the_retry_budget():
    """max_retries counts failures in a row: one failure after the hub came back and
    acknowledged frames is the first of a new run, not the last of the old one."""
    (port,) = free_ports(1)
    config = SenderConfig(
        port=port, address="127.0.0.1", jpeg=None, request_timeout=1.0, max_retries=2
    )
    with Sender(config) as sender:
        sender.send(IMAGE)  # no hub yet: failure 1 of 2
        assert sender.stats.failures == 1
        with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
            consumer = threading.Thread(target=lambda: list(hub), daemon=True)
            consumer.start()
            deadline = time.monotonic() + 10
            while sender.stats.acknowledged < 3:
                assert time.monotonic() < deadline, "the hub never acknowledged"
                sender.send(IMAGE)  # dropped until the sender sees the hub again
        deadline = time.monotonic() + 10
        while sender.stats.failures < 2:  # raises PeerTimeout if the budget was not reset
            assert time.monotonic() < deadline
            sender.send(IMAGE)
        with pytest.raises(PeerTimeout, match="max_retries=2"):
            while time.monotonic() < deadline:
                sender.send(IMAGE)
