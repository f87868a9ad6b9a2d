import threading
import time

import numpy as np
import pytest

from framehub.sources.channel import FrameChannel
from support import wait_for


def frame(value: int) -> np.ndarray:
    return np.full((2, 2), value, dtype=np.uint8)


def test_ordered_channel_delivers_every_frame_in_order_then_none():
    channel = FrameChannel(ordered=True, capacity=3)
    for i in range(3):
        assert channel.put(frame(i))
    channel.finish()
    assert [int(channel.get(1.0)[0, 0]) for _ in range(3)] == [0, 1, 2]
    assert channel.get(1.0) is None


def test_ordered_put_blocks_while_full_until_a_get():
    channel = FrameChannel(ordered=True, capacity=1)
    channel.put(frame(0))
    done = threading.Event()
    threading.Thread(target=lambda: (channel.put(frame(1)), done.set()), daemon=True).start()
    assert not done.wait(0.2)
    assert int(channel.get(1.0)[0, 0]) == 0
    assert done.wait(2.0)
    assert int(channel.get(1.0)[0, 0]) == 1


def test_close_wakes_a_blocked_producer_and_consumer():
    channel = FrameChannel(ordered=True, capacity=1)
    channel.put(frame(0))
    results = []
    producer = threading.Thread(target=lambda: results.append(channel.put(frame(1))))
    producer.start()
    wait_for(lambda: channel.producer_waiting, what="the producer blocking on a full channel")
    channel.close()
    producer.join(2.0)
    assert results == [False]
    assert channel.get(5.0) is None


def test_latest_channel_keeps_only_the_newest_and_never_repeats():
    channel = FrameChannel(ordered=False)
    for i in range(5):
        channel.put(frame(i))
    assert int(channel.get(1.0)[0, 0]) == 4
    with pytest.raises(TimeoutError):
        channel.get(0.05)
    channel.put(frame(5))
    channel.finish()
    assert int(channel.get(1.0)[0, 0]) == 5
    assert channel.get(1.0) is None


def test_get_waits_no_longer_than_its_timeout():
    channel = FrameChannel(ordered=True, capacity=2)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.get(0.1)
    assert 0.09 <= time.monotonic() - start < 1.0
