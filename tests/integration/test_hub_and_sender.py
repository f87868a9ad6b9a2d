"""The native API over real ZeroMQ sockets on 127.0.0.1 (senders in threads)."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
import zmq

from framehub import (
    ConfigError,
    Hub,
    HubConfig,
    JpegConfig,
    PeerTimeout,
    Policy,
    Sender,
    SenderConfig,
    TransportError,
)
from framehub.api.reception import Reception
from framehub.wire import FramePacket, encode_server_message
from support import free_ports, send_frames

pytestmark = pytest.mark.timeout(60)


def frames(count: int, shape=(48, 64, 3)) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(count)]


def stream(port, pattern, items, *, jpeg=None, fps=0.0, multiserver=True, **extra):
    settings = {"address": "127.0.0.1", "jpeg": jpeg, "multiserver": multiserver, **extra}
    return send_frames(SenderConfig(port=port, pattern=pattern, **settings), items, fps)


@pytest.mark.parametrize("pattern", [1, 2])
def test_raw_frames_arrive_intact_in_order_from_every_server(background, pattern):
    ports = free_ports(2)
    sent = frames(30)
    with Hub(HubConfig(ports=tuple(ports), address="127.0.0.1", pattern=pattern)) as hub:
        for port in ports:
            background.start(
                f"s{port}", stream(port, pattern, sent, fps=200 if pattern == 2 else 0)
            )
        got: dict[str, list] = {}
        for frame in hub:
            got.setdefault(frame.source, []).append(frame)
    assert set(got) == {str(p) for p in ports}
    for received in got.values():
        assert [f.message["i"] for f in received] == list(range(30))
        for f in received:
            assert np.array_equal(f.image, sent[f.message["i"]])
            assert f.seq == f.message["i"] and f.jpeg is None
            assert 0 <= f.latency < 5


def test_a_server_may_change_frame_size_and_dtype_mid_stream(background):
    # A sender encodes its header once per kind of frame: a camera that changes
    # resolution, or a stream of mixed arrays, must still be described frame by frame.
    (port,) = free_ports(1)
    rng = np.random.default_rng(3)
    sent = [
        rng.integers(0, 256, (48, 64, 3), dtype=np.uint8),
        rng.integers(0, 256, (32, 40, 3), dtype=np.uint8),
        rng.integers(0, 256, (32, 40), dtype=np.uint8),
        rng.random((8, 8), dtype=np.float32),
        rng.integers(0, 256, (48, 64, 3), dtype=np.uint8),
    ]
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
        background.start("s", stream(port, 1, sent))
        got = list(hub)
    assert [f.message["i"] for f in got] == list(range(len(sent)))
    for frame in got:
        expected = sent[frame.message["i"]]
        assert frame.image.dtype == expected.dtype
        assert np.array_equal(frame.image, expected)


def test_jpeg_frames_carry_their_compressed_bytes(background):
    (port,) = free_ports(1)
    smooth = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(10)]
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
        background.start("s", stream(port, 1, smooth, jpeg=JpegConfig(quality=95)))
        got = list(hub)
    assert len(got) == 10
    for i, frame in enumerate(got):
        assert bytes(frame.jpeg[:2]) == b"\xff\xd8"
        assert np.abs(frame.image.astype(int) - 10 * i).max() <= 2


def test_pattern_0_and_ipc(background, tmp_path):
    address = str(tmp_path / "hub")
    config = HubConfig(
        ports=("5555",), address=address, protocol="ipc", pattern=0, multiserver=False
    )
    with Hub(config) as hub:
        background.start(
            "s", stream("5555", 0, frames(5), multiserver=False, address=address, protocol="ipc")
        )
        assert [f.message["i"] for f in hub] == [0, 1, 2, 3, 4]


def test_a_slow_consumer_loses_nothing_in_lossless_mode(background):
    (port,) = free_ports(1)
    config = HubConfig(ports=(port,), address="127.0.0.1", queue_size=2)
    with Hub(config) as hub:
        background.start("s", stream(port, 1, frames(40)))
        received = []
        for frame in hub:
            received.append(frame.message["i"])
            time.sleep(0.01)
    assert received == list(range(40))
    stats = background.result("s")
    assert (stats.acknowledged, stats.dropped) == (40, 0)


def test_frames_are_acknowledged_while_the_consumer_is_busy_elsewhere():
    """A consumer receives on its own thread while it waits in recv(); while it is
    away the hub's I/O thread must take the sockets over, or servers would stall."""
    (port,) = free_ports(1)
    sent = frames(9)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1", queue_size=16)) as hub:
        config = SenderConfig(
            port=port, address="127.0.0.1", jpeg=None, request_timeout=3.0, close_timeout=3.0
        )
        with Sender(config) as sender:
            sender.send(sent[0], message={"i": 0})
            assert hub.recv(timeout=5).message["i"] == 0  # the consumer has just received
            # ...and is now busy: nobody calls recv() while eight more frames go out.
            started = time.monotonic()
            for i in range(1, 9):
                sender.send(sent[i], message={"i": i})  # the window (4) needs acks
        took = time.monotonic() - started  # closing waited for the last acknowledgements
        stats = sender.stats
        assert (stats.acknowledged, stats.dropped, stats.failures) == (9, 0, 0)
        assert took < 2.0
        assert [hub.recv(timeout=5).message["i"] for _ in range(8)] == list(range(1, 9))


def test_several_consumer_threads_share_one_hub_without_loss_or_duplicates(background):
    (port,) = free_ports(1)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
        background.start("s", stream(port, 1, frames(300)))
        got: list[list[int]] = [[], [], []]

        def consume(into: list[int]) -> None:
            for frame in hub:
                into.append(frame.message["i"])

        threads = [threading.Thread(target=consume, args=(into,)) for into in got]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)
    assert sorted(i for into in got for i in into) == list(range(300))
    assert all(into == sorted(into) for into in got)


def test_latest_policy_drops_and_counts_for_a_slow_consumer(background):
    (port,) = free_ports(1)
    config = HubConfig(ports=(port,), address="127.0.0.1", queue_size=2, policy=Policy.LATEST)
    with Hub(config) as hub:
        background.start("s", stream(port, 1, frames(60)))
        received = []
        for frame in hub:
            received.append(frame.message["i"])
            time.sleep(0.02)
        (status,) = hub.status()
    assert received[-1] == 59 and received == sorted(received)
    assert status.dropped == 60 - len(received) > 0


def test_bidirectional_replies_reach_the_sender_with_each_frame():
    (port,) = free_ports(1)
    hub_config = HubConfig(ports=(port,), address="127.0.0.1", bidirectional=True)
    with (
        Hub(hub_config) as hub,
        Sender(SenderConfig(port=port, address="127.0.0.1", bidirectional=True)) as sender,
    ):
        hub.set_reply({"ok": 1})
        import threading

        reader = threading.Thread(target=lambda: [hub.recv(timeout=5) for _ in range(3)])
        reader.start()
        assert sender.request(frames(1)[0]) == {"ok": 1}
        hub.set_reply(np.full((4, 6, 3), 9, np.uint8))
        reply = sender.request(frames(1)[0])
        assert isinstance(reply, np.ndarray) and reply.shape == (4, 6, 3)
        hub.set_reply("bye")
        assert sender.request(frames(1)[0]) == "bye"
        reader.join(5)


def test_a_message_claiming_another_port_is_dropped_and_counted(background):
    honest, forged_on = free_ports(2)
    with Hub(HubConfig(ports=(honest, forged_on), address="127.0.0.1")) as hub:
        ctx = zmq.Context.instance()
        rogue = ctx.socket(zmq.DEALER)
        rogue.connect(f"tcp://127.0.0.1:{forged_on}")
        frame = np.zeros((4, 4, 3), np.uint8)
        forged = encode_server_message(
            FramePacket(payload=frame.tobytes(), dtype="uint8", shape=(4, 4, 3), port=honest)
        )
        for _ in range(5):
            rogue.send_multipart([b"tag", b"", *forged])
        background.start("s", stream(honest, 1, frames(10)))
        # Taken one by one: a forged frame that got through comes first, and fails here
        # rather than by its fake server keeping the stream open.
        got = [hub.recv(timeout=5) for _ in range(10)]
        rogue.close(0)
        assert [(f.source, f.message) for f in got] == [(str(honest), {"i": i}) for i in range(10)]
        assert hub.rejected == 5


def test_garbage_is_dropped_counted_and_does_not_disturb_honest_servers(background):
    (port,) = free_ports(1)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
        rogue = zmq.Context.instance().socket(zmq.DEALER)
        rogue.connect(f"tcp://127.0.0.1:{port}")
        # (A request without an envelope never reaches framehub: libzmq's REP
        # socket discards it itself.)
        rogue.send_multipart([b"no delimiter"])
        garbage = [
            [b"t", b"", b"not json", b"x"],
            [b"t", b"", b"[1,2]", b"x"],
            [
                b"t",
                b"",
                b'{"terminate_flag":false,"compression":false,"dtype":"uint8",'
                b'"shape":[1000,1000,3],"pattern":"1","message":null}',
                b"short",
            ],
            [
                b"t",
                b"",
                b'{"terminate_flag":false,"compression":{"colorspace":"BGR"},'
                b'"dtype":"","shape":"","pattern":"1","message":null}',
                b"\xff\xd8junk",
            ],
            [
                b"t",
                b"",
                b'{"terminate_flag":false,"compression":false,"dtype":"object",'
                b'"shape":[1],"pattern":"1","message":null}',
                b"x" * 8,
            ],
        ]
        for parts in garbage:
            rogue.send_multipart(parts)
        background.start("s", stream(port, 1, frames(10)))
        got = [f.message["i"] for f in hub]
        rogue.close(0)
    assert got == list(range(10))
    assert hub.rejected == len(garbage)


def test_hub_recv_timeout_and_idle_cpu():
    (port,) = free_ports(1)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:
        cpu = time.process_time()
        with pytest.raises(PeerTimeout):
            hub.recv(timeout=2.0)
        # A blocked recv() sleeps on a condition and the I/O thread on a poller.
        assert time.process_time() - cpu < 0.1


def test_a_sender_without_a_hub_drops_counts_and_closes_in_bounded_time():
    (port,) = free_ports(1)
    sender = Sender(SenderConfig(port=port, address="127.0.0.1", request_timeout=0.5))
    start = time.monotonic()
    sender.send(frames(1)[0])  # waits request_timeout for a hub, then gives up
    assert 0.4 < time.monotonic() - start < 2.0
    start = time.monotonic()
    for frame in frames(20):
        sender.send(frame)  # the hub is known to be away: no more waiting
    assert time.monotonic() - start < 0.5
    start = time.monotonic()
    sender.close()
    sender.close()
    assert time.monotonic() - start < 1.5
    assert sender.stats.dropped == 21 and sender.stats.sent == 0


def test_max_retries_counts_consecutive_failures_then_raises():
    (port,) = free_ports(1)
    config = SenderConfig(port=port, address="127.0.0.1", request_timeout=0.2, max_retries=2)
    with Sender(config) as sender:
        sender.send(frames(1)[0])
        with pytest.raises(PeerTimeout, match=r"max_retries=2"):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                sender.send(frames(1)[0])
                time.sleep(0.05)


def test_caller_mistakes_raise_before_anything_is_sent():
    (port,) = free_ports(1)
    with (
        Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub,
        Sender(SenderConfig(port=port, address="127.0.0.1")) as sender,
    ):
        frame = frames(1)[0]
        with pytest.raises(ConfigError, match=r"not a numpy.ndarray"):
            sender.send(frame, message=np.zeros(3))
        with pytest.raises(ConfigError, match=r"message must be JSON-serialisable"):
            sender.send(frame, message={1, 2})
        with pytest.raises(ConfigError, match=r"frame must be a numpy.ndarray"):
            sender.send([[1, 2]])  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match=r"JPEG compression needs uint8"):
            sender.send(frame.astype(np.float32))
        with pytest.raises(PeerTimeout):
            hub.recv(timeout=0.5)
        assert sender.stats.sent == 0


def test_several_hubs_in_one_process(background):
    a, b = free_ports(2)
    with (
        Hub(HubConfig(ports=(a,), address="127.0.0.1")) as hub_a,
        Hub(HubConfig(ports=(b,), address="127.0.0.1")) as hub_b,
    ):
        background.start("a", stream(a, 1, frames(5)))
        background.start("b", stream(b, 1, frames(7)))
        assert len(list(hub_a)) == 5
        assert len(list(hub_b)) == 7


def test_close_is_bounded_and_idempotent_with_a_server_still_streaming(background):
    (port,) = free_ports(1)
    hub = Hub(HubConfig(ports=(port,), address="127.0.0.1"))
    background.start("s", stream(port, 1, frames(30), fps=30, request_timeout=0.5))
    assert hub.recv(timeout=5) is not None
    start = time.monotonic()
    hub.close()
    hub.close()
    assert time.monotonic() - start < 1.5
    assert hub.recv() is None


def test_an_undecoding_hub_passes_jpeg_bytes_through(background):
    (port,) = free_ports(1)
    big = [np.full((480, 640, 3), 10 * i, np.uint8) for i in range(3)]
    with Hub(HubConfig(ports=(port,), address="127.0.0.1", decode=False)) as hub:
        background.start("s", stream(port, 1, big, jpeg=JpegConfig(quality=80)))
        got = list(hub)
    assert len(got) == 3
    for i, frame in enumerate(got):
        assert bytes(frame.jpeg[:2]) == b"\xff\xd8"
        assert frame.thumbnail(80, 60).shape == (60, 80, 3)  # 1/8 scale
        assert frame.image.shape == (480, 640, 3)
        assert abs(int(frame.image.mean()) - 10 * i) <= 2


def test_a_failure_while_receiving_is_raised_by_the_next_recv(background, monkeypatch):
    def boom(self, source, message, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(Reception, "offer", boom)
    (port,) = free_ports(1)
    hub = Hub(HubConfig(ports=(port,), address="127.0.0.1"))
    background.start("s", stream(port, 1, frames(1), request_timeout=0.5))
    with pytest.raises(TransportError, match="boom"):
        hub.recv(timeout=5)
    with pytest.raises(TransportError, match="boom"):
        hub.recv(timeout=5)  # and again: the hub does not pretend to recover
    # The link has stopped and closed its sockets (and libzmq has had a moment to detach
    # the closed end): closing the hub must still return at once, where a command
    # posted to the stopped I/O thread once blocked forever.
    hub._driver._thread.join(5)
    time.sleep(0.2)
    started = time.monotonic()
    hub.close()
    assert time.monotonic() - started < 1.0


def _sender_phases(port: int, image: np.ndarray, phases) -> Any:
    """Send flat out, then slowly; the windows each phase ended with."""

    def run() -> list[int]:
        windows = []
        with Sender(SenderConfig(port=port, address="127.0.0.1", jpeg=None)) as sender:
            for seconds, fps in phases:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    sender.send(image)
                    if fps:
                        time.sleep(1 / fps)
                windows.append(sender.stats.window)
        return windows

    return run


def test_a_fast_hub_asks_its_framehub_senders_for_fewer_frames_in_flight(background):
    """More bytes a second than a gigabit link carries: the hub shares its window budget
    among the servers streaming (here 2 frames between 2 servers), vidgear's senders
    still get vidgear's plain acknowledgement, and the limit lifts when the rate falls."""
    ports = free_ports(3)
    image = frames(1, shape=(1080, 1920, 3))[0]  # 6.2 MB: 41 a second make 250 MB/s
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", decode=False, window_budget=2)
    with Hub(config) as hub:
        for port in ports[:2]:
            background.start(str(port), _sender_phases(port, image, [(2.5, 0), (2.0, 4)]))
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:
            assert hub.recv(timeout=5) is not None
        # A vidgear-style sender (a REQ socket, frames without framehub's numbering)
        # on the third port, while the others are being advised or just were.
        req = zmq.Context.instance().socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(f"tcp://127.0.0.1:{ports[2]}")
        req.send_multipart(
            encode_server_message(
                FramePacket(
                    payload=image[:2].tobytes(), dtype="uint8", shape=(2, 1920, 3), port=ports[2]
                )
            )
        )
        assert req.poll(5000)
        assert req.recv_multipart() == [f"Data received on device: {hub.id} !".encode()]
        req.close()
        while hub.recv(timeout=5) is not None:
            pass
    background.join()
    for port in ports[:2]:
        fast, slow = background.result(str(port))
        assert fast == 1, "flat out at over 250 MB/s: one frame in flight each"
        assert slow == 4, "at 4 frames a second the limit lifts: the configured window"


@pytest.mark.parametrize("queue_size", [8, 1])
def test_a_consumer_behind_keeps_frames_fresh_and_loses_none(background, queue_size):
    """A consumer slower than its server: the hub acknowledges a frame when the
    consumer takes it and asks for one frame in flight, so a frame waits about two
    of the consumer's turns, not the twelve a full queue (8) and window (4) made it
    wait; lossless all the same, with a queue of one too."""
    (port,) = free_ports(1)
    image = frames(1, shape=(120, 160, 3))[0]
    turn = 0.03
    config = HubConfig(ports=(port,), address="127.0.0.1", queue_size=queue_size)
    with Hub(config) as hub:
        background.start("s", _sender_phases(port, image, [(3.0, 0)]))
        late = []
        sequence = []
        start = time.monotonic()
        while (frame := hub.recv(timeout=5)) is not None:
            sequence.append(frame.seq)
            if 2.0 < time.monotonic() - start < 3.0:
                late.append(time.time() - frame.sent_at)  # its age when recv() returned it
            time.sleep(turn)
    background.join()
    assert background.result("s") == [1]
    assert sequence == list(range(len(sequence)))
    assert late and max(late) < 6 * turn, f"frames waited {max(late):.3f} s"
