"""Unmodified imagezmq 1.2.0 senders streaming into a framehub hub, both of its modes."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import cv2
import numpy as np
import pytest
import zmq

from framehub import (
    AsyncHub,
    EventKind,
    Hub,
    HubConfig,
    ImagezmqConfig,
    Lifetime,
    Policy,
    Sender,
    SenderConfig,
    ServerState,
    Subscriber,
    SubscriberConfig,
)
from framehub.transport import ImagezmqInlet, ImagezmqSpec, Verdict
from framehub.transport.polling import LinkPoller
from framehub.wire import FramePacket, Limits, Payload, ServerMessage, encode_imagezmq_message
from support import Child, frame_index, free_ports, wait_for

imagezmq = pytest.importorskip("imagezmq")

pytestmark = pytest.mark.timeout(60)


def image(i: int) -> np.ndarray:
    return np.full((48, 64, 3), i, dtype=np.uint8)


def jpg(i: int) -> bytes:
    return bytes(cv2.imencode(".jpg", image(i))[1])


def send(address: str, name: str, frames: int, *, jpeg: bool = False) -> Callable[[], list[bytes]]:
    """A thread's work: an imagezmq REQ sender sending ``frames``; the replies it got."""

    def run() -> list[bytes]:
        with imagezmq.ImageSender(connect_to=address) as sender:
            return [
                sender.send_jpg(name, jpg(i)) if jpeg else sender.send_image(name, image(i))
                for i in range(frames)
            ]

    return run


def start(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``target`` on a daemon thread (an imagezmq sender waits for its reply for
    ever: the test's timeout bounds it); its result lands in the list."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(target()), daemon=True)
    thread.start()
    return thread, result


# -- the inlet on its own, driven by the test's thread, with a sink the test controls --


class Sink:
    def __init__(self, verdicts: dict[str, Verdict]) -> None:
        self.verdicts = verdicts
        self.offered: list[str] = []
        self.rejected: list[str] = []

    def offer(self, source: str, message: ServerMessage, now: float) -> Verdict:
        self.offered.append(source)
        return self.verdicts.get(source, Verdict.REPLY)

    def reply(self, source: str, message: ServerMessage, now: float) -> Sequence[Payload]:
        return [b"a NetGear acknowledgement, never sent to imagezmq senders"]

    def reject(self, source: str, error: Exception) -> None:
        self.rejected.append(source)

    def peer(self, source: str, event: object, now: float) -> None:
        pass

    def tick(self, now: float) -> None:
        pass


@pytest.fixture
def inlet() -> Iterator[tuple[ImagezmqInlet, Sink, LinkPoller, str]]:
    (port,) = free_ports(1)
    sink = Sink({})
    spec = ImagezmqSpec("tcp", "127.0.0.1", str(port), (), Limits())
    link = ImagezmqInlet(spec, sink, zmq.Context.instance())
    with polling() as poller:
        link.attach(poller)
        try:
            yield link, sink, poller, f"tcp://127.0.0.1:{port}"
        finally:
            link.close_sockets()


def packet(name: str) -> list[Payload]:
    return encode_imagezmq_message(
        FramePacket(image(0).tobytes(), dtype="uint8", shape=(48, 64, 3), name=name)
    )


@contextmanager
def polling() -> Iterator[LinkPoller]:
    """The poller a hub link gives its inlets (its wake socket is never written here)."""
    wake = zmq.Context.instance().socket(zmq.PAIR)
    try:
        yield LinkPoller(wake)
    finally:
        wake.close(linger=0)


def drive_until(link: ImagezmqInlet, poller: LinkPoller, condition: Callable[[], bool]) -> None:
    for _ in range(100):
        if condition():
            return
        for sock in poller.poll(0.1)[0]:
            link.read(sock)
        poller.tick()  # as the hub link does each cycle: the next poll may wait again
    assert condition(), "the inlet did not get there"


def test_a_sender_kept_waiting_holds_back_no_other_sender_on_its_port(inlet):
    link, sink, poller, address = inlet
    sink.verdicts.update(slow=Verdict.DEFER, full=Verdict.HOLD)
    slow, slow_replies = start(send(address, "slow", 1))
    full, full_replies = start(send(address, "full", 1))
    drive_until(link, poller, lambda: {"slow", "full"} <= set(sink.offered))
    fast, fast_replies = start(send(address, "fast", 20))
    drive_until(link, poller, lambda: sink.offered.count("fast") == 20)
    fast.join(5)
    assert fast_replies == [[b"OK"] * 20]
    assert slow.is_alive() and full.is_alive(), "answered before the sink let them go"

    link.release("slow")  # the consumer took its frame
    slow.join(5)
    assert slow_replies == [[b"OK"]]
    sink.verdicts["full"] = Verdict.REPLY
    link.resume("full")  # its queue has room: the held frame is offered again
    full.join(5)
    assert full_replies == [[b"OK"]]
    assert sink.offered.count("full") == 2


def test_names_and_senders_per_name_are_bounded(inlet):
    link, sink, poller, address = inlet
    link.spec = replace(link.spec, max_senders=2)
    sink.verdicts["same"] = Verdict.DEFER
    peers: dict[str, list[zmq.Socket[bytes]]] = defaultdict(list)

    def send_from_a_new_peer(name: str) -> None:
        peer = zmq.Context.instance().socket(zmq.REQ)
        peer.setsockopt(zmq.LINGER, 0)
        peer.connect(address)
        peer.send_multipart(packet(name))
        peers[name].append(peer)

    try:
        send_from_a_new_peer("a")
        send_from_a_new_peer("same")  # its answer is owed until the consumer takes it
        drive_until(link, poller, lambda: sorted(sink.offered) == ["a", "same"])
        for _ in range(5):  # five more senders named "same": four wait, one is pushed out
            send_from_a_new_peer("same")
        send_from_a_new_peer("b")  # a third name
        drive_until(link, poller, lambda: len(sink.rejected) == 2)
        everyone = [peer for sockets in peers.values() for peer in sockets]
        wait_for(lambda: sum(bool(peer.poll(0)) for peer in everyone) == 3, what="3 answers")
        answers = {
            name: [peer.recv_multipart() if peer.poll(0) else None for peer in sockets]
            for name, sockets in peers.items()
        }
    finally:
        for sockets in peers.values():
            for peer in sockets:
                peer.close()
    assert answers["a"] == [[b"OK"]] and answers["b"] == [[b""]]
    assert answers["same"][0] is None and answers["same"][1:].count([b"OK"]) == 1
    assert sorted(sink.rejected) == sorted(["same", address.rsplit(":", 1)[1]])
    assert sorted(sink.offered) == ["a", "same"]


def test_a_held_pub_sub_sender_is_left_unread_until_resumed():
    (port,) = free_ports(1)
    address = f"tcp://127.0.0.1:{port}"
    publisher = imagezmq.ImageSender(connect_to=address, REQ_REP=False)
    publisher.zmq_socket.setsockopt(zmq.LINGER, 0)
    sink = Sink({"cam": Verdict.HOLD})
    link = ImagezmqInlet(
        ImagezmqSpec("tcp", "127.0.0.1", None, (address,), Limits()), sink, zmq.Context.instance()
    )
    with polling() as poller:
        link.attach(poller)
        try:

            def publish_until_offered(count: int) -> None:
                for i in range(200):
                    publisher.send_image("cam", image(i))  # PUB/SUB: the first ones may be lost
                    for sock in poller.poll(0.01)[0]:
                        link.read(sock)
                    poller.tick()
                    if len(sink.offered) >= count:
                        return
                raise AssertionError("the inlet did not get there")

            publish_until_offered(1)
            for _ in range(5):  # the held sender's socket is not read on
                publisher.send_image("cam", image(0))
            assert poller.poll(0.1)[0] == [] and sink.offered == ["cam"]
            sink.verdicts["cam"] = Verdict.REPLY
            link.resume("cam")
            assert sink.offered == ["cam", "cam"]  # the held frame, offered again
            publish_until_offered(4)  # and its socket is read again
        finally:
            link.close_sockets()
            publisher.close()


# -- a whole hub --------------------------------------------------------------------


def receive(hub: Hub, count: int) -> dict[str, list]:
    frames = defaultdict(list)
    for _ in range(count):
        frame = hub.recv(timeout=10)
        assert frame is not None
        frames[frame.source].append(frame)
    return frames


def test_req_rep_senders_share_one_port_raw_and_jpeg():
    (port,) = free_ports(1)
    address = f"tcp://127.0.0.1:{port}"
    config = HubConfig(imagezmq=ImagezmqConfig(port=port), lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:
        senders = [
            start(send(address, "pi1|front", 15)),
            start(send(address, "pi2|back", 15)),
            start(send(address, "pi3|jpg", 15, jpeg=True)),
        ]
        frames = receive(hub, 45)
        for thread, replies in senders:
            thread.join(5)
            assert replies == [[b"OK"] * 15]
        status = {row.source: row for row in hub.status()}
    assert set(frames) == {"pi1|front", "pi2|back", "pi3|jpg"}
    for name, received in frames.items():
        assert [frame_index(f.image) for f in received] == list(range(15)), name
        assert all(f.name == name == f.label for f in received)
        assert all((f.jpeg is not None) == (name == "pi3|jpg") for f in received)
        assert received[0].seq is None and received[0].latency is None
        row = status[name]
        assert (row.via, row.name, row.frames, row.dropped) == (str(port), name, 15, 0)
        assert row.state is ServerState.STREAMING


def test_pub_sub_senders_are_connected_to_by_the_hub():
    ports = free_ports(2)
    addresses = [f"tcp://127.0.0.1:{port}" for port in ports]
    stop = threading.Event()

    def publish(address: str, name: str, jpeg: bool) -> Callable[[], int]:
        def run() -> int:
            i = 0
            with imagezmq.ImageSender(connect_to=address, REQ_REP=False) as sender:
                sender.zmq_socket.setsockopt(zmq.LINGER, 0)
                while not stop.wait(0.01):  # PUB/SUB: sent until the hub has enough
                    sender.send_jpg(name, jpg(i)) if jpeg else sender.send_image(name, image(i))
                    i += 1
            return i

        return run

    threads = [
        start(publish(addresses[0], "cam-a", False)),
        start(publish(addresses[1], "cam-b", True)),
    ]
    try:
        config = HubConfig(imagezmq=ImagezmqConfig(connect=tuple(addresses)))
        with Hub(config) as hub:
            seen: dict[str, list] = defaultdict(list)
            while min(len(seen["cam-a"]), len(seen["cam-b"])) < 5:
                frame = hub.recv(timeout=10)
                assert frame is not None
                seen[frame.source].append(frame)
            status = {row.source: row for row in hub.status()}
    finally:
        stop.set()
        for thread, _ in threads:
            thread.join(5)
    indexes = [frame_index(f.image) for f in seen["cam-a"]]
    assert indexes == sorted(indexes)
    assert seen["cam-b"][0].jpeg is not None
    assert (status["cam-a"].via, status["cam-b"].via) == tuple(addresses)


def test_a_restarted_sender_is_gone_after_its_silence_then_returns():
    (port,) = free_ports(1)
    address = f"tcp://127.0.0.1:{port}"
    args = ["--address", address, "--name", "door|1", "--fps", "50"]
    config = HubConfig(
        imagezmq=ImagezmqConfig(port=port, gone_after=0.5), lifetime=Lifetime.SERVICE
    )
    with Hub(config) as hub:
        first = Child("imagezmq_sender.py", args)
        try:
            receive(hub, 5)
            first.proc.send_signal(signal.SIGKILL)
            first.kill()
            wait_for(lambda: hub.status()[0].state is ServerState.GONE, what="gone")
            second = Child("imagezmq_sender.py", args)
            try:
                # A frame of the killed sender may still wait for the consumer.
                wait_for(lambda: hub.recv(timeout=10) and hub.status()[0].frames > 6)
                assert hub.status()[0].state is ServerState.STREAMING
            finally:
                second.proc.terminate()
                result = second.result()
                assert result["replies"] == {"OK": result["sent"]}
        finally:
            first.kill()
        kinds = [event.kind for event in hub.events() if event.source == "door|1"]
    assert kinds[:1] == [EventKind.JOINED]
    assert EventKind.GONE in kinds and kinds[-1] == EventKind.RETURNED


def test_bad_metadata_is_dropped_and_counted_beside_netgear_servers():
    netgear_port, port = free_ports(2)
    config = HubConfig(
        ports=(netgear_port,), imagezmq=ImagezmqConfig(port=port), lifetime=Lifetime.SERVICE
    )
    bad = [
        [b"not json", image(0).tobytes()],
        [json.dumps({"msg": 7, "dtype": "uint8", "shape": [48, 64, 3]}).encode(), b"x"],
        [json.dumps({"msg": "x", "dtype": "object", "shape": [1]}).encode(), b"x"],
        [json.dumps({"msg": "x", "dtype": "uint8", "shape": [2, 2]}).encode(), b"x"],
        # A name that poses as the hub's NetGear server.
        [json.dumps({"msg": str(netgear_port)}).encode(), jpg(0)],
    ]
    with Hub(config) as hub:
        context = zmq.Context.instance()
        peer = context.socket(zmq.REQ)
        peer.setsockopt(zmq.LINGER, 0)
        peer.connect(f"tcp://127.0.0.1:{port}")
        try:
            for parts in bad:
                peer.send_multipart(parts)
                assert peer.poll(5000), "a REQ peer sending garbage must still be answered"
                assert peer.recv_multipart() == [b""]
        finally:
            peer.close()
        assert hub.rejected == len(bad)
        good, replies = start(send(f"tcp://127.0.0.1:{port}", "honest", 3))
        with Sender(SenderConfig(port=netgear_port, address="127.0.0.1", name="door")) as sender:
            sender.send(image(1))
        frames = receive(hub, 4)
        good.join(5)
        status = {row.source: row for row in hub.status()}
    assert replies == [[b"OK"] * 3]
    assert len(frames["honest"]) == 3 and len(frames[str(netgear_port)]) == 1
    assert status[str(netgear_port)].via is None
    assert status[str(netgear_port)].label == f"door ({netgear_port})"
    assert status["honest"].via == str(port)


@pytest.mark.parametrize("policy", [Policy.LOSSLESS, Policy.LATEST])
def test_a_slow_consumer_gets_every_frame_or_the_newest_as_the_policy_says(policy):
    frames = 15
    (port,) = free_ports(1)
    config = HubConfig(imagezmq=ImagezmqConfig(port=port), policy=policy, lifetime=Lifetime.SERVICE)
    with Hub(config) as hub:
        thread, replies = start(send(f"tcp://127.0.0.1:{port}", "cam", frames))
        indexes = []
        while not indexes or indexes[-1] < frames - 1:
            frame = hub.recv(timeout=10)
            assert frame is not None
            indexes.append(frame_index(frame.image))
            # The consumer's work on each frame: long enough for the hub's I/O thread to
            # answer the sender meanwhile (it takes over after 50 ms).
            time.sleep(0.08)
        thread.join(5)
        dropped = hub.status()[0].dropped
    assert replies == [[b"OK"] * frames]
    assert indexes == sorted(indexes)
    if policy is Policy.LOSSLESS:
        assert indexes == list(range(frames)) and dropped == 0
    else:
        assert len(indexes) + dropped == frames and dropped > 0


def test_an_async_hub_takes_imagezmq_senders_too():
    (port,) = free_ports(1)
    config = HubConfig(imagezmq=ImagezmqConfig(port=port), lifetime=Lifetime.SERVICE)

    async def main() -> list[str]:
        async with AsyncHub(config) as hub:
            thread, _ = start(send(f"tcp://127.0.0.1:{port}", "pi|door", 3, jpeg=True))
            frames = [await hub.recv(timeout=10) for _ in range(3)]
            thread.join(5)
        return [f.source for f in frames if f is not None and f.image.shape == (48, 64, 3)]

    assert asyncio.run(main()) == ["pi|door"] * 3


def test_a_publishing_hub_republishes_imagezmq_frames_by_their_sender_name():
    port, pub = free_ports(2)
    address, where = f"tcp://127.0.0.1:{port}", f"tcp://127.0.0.1:{pub}"
    config = HubConfig(
        imagezmq=ImagezmqConfig(port=port), publish=where, lifetime=Lifetime.SERVICE, decode=False
    )

    def subscriber(camera: str) -> Subscriber:
        # Lossless, with room for every frame: what it gets is exactly what was sent.
        return Subscriber(
            config=SubscriberConfig(
                hubs=(where,),
                cameras=(camera,),
                policy=Policy.LOSSLESS,
                queue_size=32,
                gone_after=0.3,
            )
        )

    with Hub(config) as hub, subscriber("pi1|front") as raw, subscriber("pi2|jpg") as jpeg:
        wait_for(lambda: hub.publishing is not None and hub.publishing.subscribers == 2)
        consumer = start(lambda: receive(hub, 30))
        senders = [
            start(send(address, "pi1|front", 15)),
            start(send(address, "pi2|jpg", 15, jpeg=True)),
        ]
        raw_frames = [raw.recv(timeout=10) for _ in range(15)]
        jpeg_frames = [jpeg.recv(timeout=10) for _ in range(15)]
        for thread, _ in [*senders, consumer]:
            thread.join(5)
        # Silence is how an imagezmq sender leaves, at the subscriber as at the hub.
        wait_for(
            lambda: any(e.kind is EventKind.GONE for e in raw.events()),
            what="pi1|front gone at the subscriber",
        )
        (row,) = raw.status()
    assert [(f.source, f.name, f.seq) for f in raw_frames] == [
        ("pi1|front", "pi1|front", i) for i in range(15)
    ]
    assert all(np.array_equal(f.image, image(i)) for i, f in enumerate(raw_frames))
    assert [(f.source, bytes(f.jpeg)) for f in jpeg_frames] == [
        ("pi2|jpg", jpg(i)) for i in range(15)
    ]
    assert (row.source, row.via, row.frames, row.dropped) == ("pi1|front", str(port), 15, 0)
