"""The hub's link on its own: single-threaded, driven by the test's thread, real sockets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
import zmq

from framehub.transport import HubLink, HubLinkSpec, Verdict
from framehub.wire import (
    EndOfStream,
    FramePacket,
    Limits,
    Payload,
    ServerMessage,
    encode_server_message,
)
from support import free_ports

pytestmark = pytest.mark.timeout(30)


class Sink:
    """Records what the link hands over and answers with a verdict chosen by the test."""

    def __init__(self) -> None:
        self.verdict = Verdict.REPLY
        self.offered: list[tuple[str, ServerMessage]] = []
        self.rejected: list[str] = []
        self.ticks = 0

    def offer(self, source: str, message: ServerMessage, now: float) -> Verdict:
        self.offered.append((source, message))
        return self.verdict if isinstance(message, FramePacket) else Verdict.REPLY

    def reply(self, source: str, message: ServerMessage, now: float) -> Sequence[Payload]:
        return [b"ack " + str(len(self.offered)).encode()]

    def reject(self, source: str, error: Exception) -> None:
        self.rejected.append(source)

    def peer(self, source: str, event: object, now: float) -> None:
        pass

    def tick(self, now: float) -> None:
        self.ticks += 1


@pytest.fixture
def rig() -> Iterator[tuple[HubLink, Sink, zmq.Socket[bytes], str]]:
    context = zmq.Context.instance()
    (port,) = free_ports(1)
    wake = context.socket(zmq.PAIR)
    wake.bind(f"inproc://test-link-{port}")
    spec = HubLinkSpec("tcp", "127.0.0.1", (str(port),), 1, True, Limits())
    sink = Sink()
    link = HubLink(spec, sink, context, wake)
    server = context.socket(zmq.REQ)
    server.setsockopt(zmq.LINGER, 0)
    server.connect(f"tcp://127.0.0.1:{port}")
    try:
        yield link, sink, server, str(port)
    finally:
        server.close()
        link.close_sockets()
        wake.close(linger=0)


def frame(port: str, i: int) -> list[Payload]:
    image = np.full((2, 2, 3), i, np.uint8)
    return encode_server_message(
        FramePacket(payload=image.tobytes(), dtype="uint8", shape=(2, 2, 3), port=int(port))
    )


def drive_until(link: HubLink, condition, cycles: int = 50) -> None:  # type: ignore[no-untyped-def]
    for _ in range(cycles):
        if condition():
            return
        link.cycle(0.1)
    assert condition(), "the link did not get there"


def test_a_frame_is_offered_and_acknowledged_on_the_driving_thread(rig):
    link, sink, server, port = rig
    server.send_multipart(frame(port, 1))
    drive_until(link, lambda: sink.offered)
    assert sink.offered[0][0] == port
    assert server.poll(2000) and server.recv_multipart() == [b"ack 1"]
    assert sink.ticks >= 1  # the clock advances while the link is driven


def test_a_deferred_frame_is_acknowledged_only_when_released(rig):
    link, sink, server, port = rig
    sink.verdict = Verdict.DEFER
    server.send_multipart(frame(port, 1))
    drive_until(link, lambda: sink.offered)
    link.cycle(0.2)
    assert not server.poll(100), "acknowledged before the consumer took it"
    link.release(port)
    assert server.poll(2000) and server.recv_multipart() == [b"ack 1"]
    sink.verdict = Verdict.REPLY
    server.send_multipart(frame(port, 2))  # the socket is read again
    drive_until(link, lambda: len(sink.offered) == 2)
    assert server.poll(2000) and server.recv_multipart() == [b"ack 2"]


def test_a_held_frame_is_offered_again_on_resume(rig):
    link, sink, server, port = rig
    sink.verdict = Verdict.HOLD
    server.send_multipart(frame(port, 1))
    drive_until(link, lambda: sink.offered)
    link.cycle(0.2)
    assert len(sink.offered) == 1 and not server.poll(100)
    sink.verdict = Verdict.REPLY
    link.resume(port)
    assert len(sink.offered) == 2 and sink.offered[0][1] is sink.offered[1][1]
    assert server.poll(2000) and server.recv_multipart() == [b"ack 2"]


def test_garbage_is_rejected_and_answered_with_an_empty_reply(rig):
    link, sink, server, port = rig
    server.send_multipart([b"not json", b"x"])
    drive_until(link, lambda: sink.rejected)
    assert server.poll(2000) and server.recv_multipart() == [b""]
    server.send_multipart(encode_server_message(EndOfStream(port=int(port))))
    drive_until(link, lambda: len(sink.offered) == 1)
    assert isinstance(sink.offered[0][1], EndOfStream)
