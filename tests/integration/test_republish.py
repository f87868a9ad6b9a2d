"""A hub republishes what it receives; subscribers on other hosts take their cameras.

Cameras and the stalled subscriber are real processes; hubs and the other
subscribers run here, over real sockets on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import numpy as np
import pytest
import zmq

from framehub import (
    EventKind,
    Frame,
    Hub,
    HubConfig,
    Lifetime,
    PeerTimeout,
    Sender,
    SenderConfig,
    SessionEvent,
    Subscriber,
    SubscriberConfig,
    TransportError,
)
from framehub.wire import encode_server_message, relay_topics
from framehub.wire.messages import FramePacket
from support import Child, free_ports, wait_for


class Viewer:
    """A hub's consumer, counting the frames it took (as a viewer would take them)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.taken = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for _ in self.hub:
            self.taken += 1


class Events:
    """A subscriber's session events so far, taking its frames while looking."""

    def __init__(self, subscriber: Subscriber) -> None:
        self.subscriber = subscriber
        self.seen: list[SessionEvent] = []

    def had(self, kind: EventKind, source: str) -> bool:
        with contextlib.suppress(PeerTimeout):
            self.subscriber.recv(timeout=0.05)
        self.seen += self.subscriber.events()
        return any(e.kind is kind and e.source == source for e in self.seen)


@contextmanager
def publishing_hub(ports: list[int], publish: int, **options: object) -> Iterator[Viewer]:
    """A hub that republishes, with a consumer taking its frames."""
    config = HubConfig(
        ports=tuple(ports),
        address="127.0.0.1",
        publish=f"tcp://127.0.0.1:{publish}",
        lifetime=Lifetime.SERVICE,
        decode=False,
        **options,  # type: ignore[arg-type]
    )
    with Hub(config) as hub:
        viewer = Viewer(hub)
        yield viewer
    viewer.thread.join(5)


def take(subscriber: Subscriber, count: int) -> list[Frame]:
    return [frame for _ in range(count) if (frame := subscriber.recv(timeout=10)) is not None]


def camera(port: int, *extra: str) -> Child:
    child = Child("camera.py", ["--port", str(port), "--fps", "30", *extra])
    child.wait_for("READY")
    return child


def test_subscribers_take_exactly_their_cameras_as_sent() -> None:
    door, yard, pub = free_ports(3)
    where = f"tcp://127.0.0.1:{pub}"
    with ExitStack() as stack:
        hub = stack.enter_context(publishing_hub([door, yard], pub)).hub
        by_name = stack.enter_context(Subscriber([where], ["door"]))
        by_id = stack.enter_context(
            Subscriber(config=SubscriberConfig(hubs=(where,), cameras=(str(yard),), gone_after=0.3))
        )
        everything = stack.enter_context(Subscriber([where]))
        wait_for(lambda: hub.publishing is not None and hub.publishing.subscribers == 3)
        door_camera = camera(door, "--name", "door")
        stack.callback(door_camera.kill)
        yard_camera = camera(yard, "--name", "yard", "--raw")
        stack.callback(yard_camera.kill)

        assert {f.source for f in take(by_name, 20)} == {str(door)}
        yard_frames = take(by_id, 20)
        assert {f.source for f in yard_frames} == {str(yard)}
        assert {f.source for f in take(everything, 40)} == {str(door), str(yard)}
        # Passed on as the cameras sent them: JPEG bytes, and the raw array unchanged.
        door_frame = take(by_name, 1)[0]
        assert door_frame.jpeg is not None and bytes(door_frame.jpeg[:2]) == b"\xff\xd8"
        sent = np.random.default_rng(yard).integers(0, 256, (120, 160, 3), dtype=np.uint8)
        assert np.array_equal(yard_frames[-1].image, sent)
        assert yard_frames[-1].name == "yard"

        # A camera that says goodbye ends; one that is killed is gone.
        door_camera.proc.send_signal(signal.SIGTERM)
        door_events, yard_events = Events(by_name), Events(by_id)
        wait_for(lambda: door_events.had(EventKind.ENDED, str(door)), what="door ended")
        yard_camera.kill()
        wait_for(lambda: yard_events.had(EventKind.GONE, str(yard)), what="yard gone")


def run_camera(port: int, stop: threading.Event) -> None:
    image = np.zeros((48, 64, 3), np.uint8)
    config = SenderConfig(port=port, address="127.0.0.1", request_timeout=0.5, max_retries=None)
    with Sender(config) as sender:
        while not stop.wait(1 / 60):
            sender.send(image)


def test_one_subscriber_joins_two_hubs_and_sees_one_lost() -> None:
    a, b, pub_a, pub_b = free_ports(4)
    stop = threading.Event()
    with ExitStack() as stack:
        stack.enter_context(publishing_hub([a], pub_a))
        hub_b = stack.enter_context(publishing_hub([b], pub_b)).hub
        config = SubscriberConfig(
            hubs=(f"tcp://127.0.0.1:{pub_a}", f"tcp://127.0.0.1:{pub_b}"), gone_after=0.3
        )
        subscriber = stack.enter_context(Subscriber(config=config))
        for port in (a, b):
            thread = threading.Thread(target=run_camera, args=(port, stop), daemon=True)
            thread.start()
            stack.callback(thread.join, 5)
        stack.callback(stop.set)  # first, then the joins
        from_a, from_b = f"127.0.0.1:{pub_a}/{a}", f"127.0.0.1:{pub_b}/{b}"
        wait_for(lambda: {f.source for f in take(subscriber, 10)} == {from_a, from_b})

        hub_b.close()
        events = Events(subscriber)
        wait_for(lambda: events.had(EventKind.GONE, from_b), what="hub b's camera gone")
        assert not events.had(EventKind.GONE, from_a)


def test_a_stalled_subscriber_slows_nobody_and_counts_its_losses() -> None:
    first, second, pub = free_ports(3)
    where = f"tcp://127.0.0.1:{pub}"
    with ExitStack() as stack:
        viewer = stack.enter_context(publishing_hub([first, second], pub, publish_hwm=4))
        for port in (first, second):
            stack.callback(camera(port, "--raw", "--size", "480x640", "--fps", "20").kill)
        stalled = Child("subscriber.py", ["--hubs", where, "--seconds", "30"])
        stack.callback(stalled.kill)
        stalled.wait_for("READY")
        live = stack.enter_context(Subscriber(config=SubscriberConfig(hubs=(where,), decode=False)))
        take(live, 10)

        os.kill(stalled.proc.pid, signal.SIGSTOP)
        hub_before, start = viewer.taken, time.monotonic()
        got = len(take(live, 60))
        elapsed = time.monotonic() - start
        hub_got = viewer.taken - hub_before
        os.kill(stalled.proc.pid, signal.SIGCONT)

        # 2 cameras x 20 fps went on reaching the hub and the live subscriber.
        assert hub_got >= 40 * elapsed * 0.6, (hub_got, elapsed)
        assert got >= hub_got * 0.6, (got, hub_got)
        time.sleep(0.5)  # the stalled one takes what it was left, then frames again
        stalled.proc.send_signal(signal.SIGTERM)
        result = stalled.result()
        lost = sum(s["dropped"] for s in result["status"].values())
        assert lost > 0, result


def test_bad_bytes_reaching_a_subscriber_are_dropped_and_counted() -> None:
    (pub,) = free_ports(1)
    context = zmq.Context.instance()
    publisher = context.socket(zmq.XPUB)
    publisher.bind(f"tcp://127.0.0.1:{pub}")
    try:
        with Subscriber([f"tcp://127.0.0.1:{pub}"]) as subscriber:
            assert publisher.poll(5000), "the subscriber did not subscribe"
            while publisher.poll(100):
                publisher.recv()
            frame = encode_server_message(
                FramePacket(b"\x07" * 12, dtype="uint8", shape=(2, 2, 3), pattern=2)
            )
            for parts in (
                [b"s:no-terminator", *frame],
                [b"s:cam\x00x1", *frame],
                [b"s:cam\x001", b"not json", b"x"],
                [b"s:cam\x002", frame[0], b"short"],
                [b"s:cam\x00"],
            ):
                publisher.send_multipart(parts)
            publisher.send_multipart([relay_topics("cam", None, 7)[0], *frame])
            good = subscriber.recv(timeout=5)
            assert good is not None and good.source == "cam" and good.seq == 7
            assert good.image.tolist() == np.full((2, 2, 3), 7).tolist()
            assert subscriber.rejected == 5
    finally:
        publisher.close(linger=0)


def test_a_publish_address_in_use_fails_the_hub_and_frees_its_ports() -> None:
    port, pub = free_ports(2)
    config = HubConfig(ports=(port,), address="127.0.0.1", publish=f"tcp://127.0.0.1:{pub}")
    with publishing_hub([free_ports(1)[0]], pub), pytest.raises(TransportError, match="in use"):
        Hub(config)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")):
        pass  # its port was released


def test_hostile_peers_on_the_publish_port_harm_no_subscriber() -> None:
    port, pub = free_ports(2)
    stop = threading.Event()
    context = zmq.Context.instance()
    with ExitStack() as stack:
        viewer = stack.enter_context(publishing_hub([port], pub))
        junk = socket.create_connection(("127.0.0.1", pub))
        stack.callback(junk.close)
        junk.sendall(b"\xff" * 10 + b"\x7f" + os.urandom(4096))
        greedy = context.socket(zmq.SUB)
        stack.callback(greedy.close, 0)
        greedy.setsockopt(zmq.SUBSCRIBE, b"s:" + b"x" * 4000)  # over the hub's limit
        greedy.connect(f"tcp://127.0.0.1:{pub}")
        subscriber = stack.enter_context(Subscriber([f"tcp://127.0.0.1:{pub}"]))
        thread = threading.Thread(target=run_camera, args=(port, stop), daemon=True)
        thread.start()
        stack.callback(thread.join, 5)
        stack.callback(stop.set)
        assert len(take(subscriber, 20)) == 20
        hub = viewer.hub
        wait_for(lambda: hub.publishing is not None and hub.publishing.subscribers == 1)
