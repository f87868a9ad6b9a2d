"""framehub's encoding, read by a real vidgear 0.3.6 NetGear over sockets on 127.0.0.1.

The goldens prove that framehub reads what vidgear writes; these prove the converse:
vidgear's own decoding accepts what framehub writes, in both directions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
import zmq
from capture import FRAMES, RECV_TIMEOUT_S, Gear, Peer, free_port
from wire_goldens import assert_jpeg_close, encode_as

from framehub.codecs import FrameEncoder, JpegEncoder, RawEncoder
from framehub.wire import (
    Ack,
    ArrayReply,
    ClientMessage,
    DataReply,
    EndOfStream,
    FramePacket,
    Payload,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)

JSON_MESSAGES: list[Any] = [{"camera": "left", "n": [1, 2.5]}, "hello", 42, [None, True]]


@pytest.fixture(scope="module")
def ctx() -> Iterator[zmq.Context[zmq.Socket[bytes]]]:
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    yield context
    context.term()


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    """Runs vidgear's blocking calls (send, recv, close) so that each can be timed out."""
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.fixture
def make_peer(ctx: zmq.Context[zmq.Socket[bytes]]) -> Iterator[Callable[[int], Peer]]:
    """Our raw socket of a given type, closed after the test."""
    peers: list[Peer] = []

    def make(kind: int) -> Peer:
        peers.append(Peer(ctx, kind))
        return peers[-1]

    yield make
    for peer in peers:
        peer.close()


def send(peer: Peer, parts: list[Payload]) -> None:
    peer.send([bytes(part) for part in parts])


def packet(frame: np.ndarray[Any, Any], encoder: FrameEncoder, **fields: Any) -> FramePacket:
    """A framehub frame packet, with framehub's own header keys, which vidgear must ignore."""
    return encode_as(FramePacket, frame, encoder, seq=0, sent_at=1722000000.5, **fields)


def assert_received(image: np.ndarray[Any, Any], sent: FramePacket, original: Any) -> None:
    if sent.compression is None:
        assert image.dtype == original.dtype
        assert np.array_equal(image, original)
    else:
        assert_jpeg_close(image, original)


CASES = [
    ("bgr", RawEncoder()),
    ("gray", RawEncoder()),
    ("float32", RawEncoder()),
    ("bgr", JpegEncoder()),
    ("gray", JpegEncoder(colorspace="GRAY")),
    ("bgr", JpegEncoder(quality=75, colorspace="RGB", fastdct=False, fastupsample=True)),
]


# --------------------------------------------------------------------------- to vidgear clients


def test_vidgear_pair_client_reads_framehub_frames(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    peer = make_peer(zmq.PAIR)
    port = free_port()
    options = {"bidirectional_mode": True}
    with Gear(port=str(port), pattern=0, receive_mode=True, **options) as gear:
        peer.connect(port)
        for (name, encoder), message in zip(CASES, JSON_MESSAGES * 2, strict=False):
            sent = packet(FRAMES[name], encoder, message=message, pattern=0)
            send(peer, encode_server_message(sent))
            assert decode_client_message(peer.recv()) == DataReply(data=None)
            received = pool.submit(gear.netgear.recv).result(RECV_TIMEOUT_S)
            assert received[0] == message
            assert_received(received[1], sent, FRAMES[name])
        send(peer, encode_server_message(EndOfStream()))
        assert pool.submit(gear.netgear.recv).result(RECV_TIMEOUT_S) is None


def test_vidgear_multi_servers_client_reads_framehub_frames(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    peer = make_peer(zmq.REQ)
    port = str(free_port())
    with Gear(port=[port], pattern=1, receive_mode=True, multiserver_mode=True) as gear:
        peer.connect(int(port))
        for (name, encoder), message in zip(CASES, JSON_MESSAGES * 2, strict=False):
            sent = packet(FRAMES[name], encoder, message=message, pattern=1, port=port)
            send(peer, encode_server_message(sent))
            assert isinstance(decode_client_message(peer.recv()), Ack)
            received = pool.submit(gear.netgear.recv).result(RECV_TIMEOUT_S)
            assert received[:2] == (port, message)
            assert_received(received[2], sent, FRAMES[name])
        send(peer, encode_server_message(EndOfStream(port=port)))
        assert decode_client_message(peer.recv()) == Ack(
            "Termination signal successfully received at client!"
        )
        assert pool.submit(gear.netgear.recv).result(RECV_TIMEOUT_S) is None


def publish_until_received(
    pool: ThreadPoolExecutor, peer: Peer, parts: list[Payload], recv: Callable[[], Any]
) -> Any:
    """Publish until the vidgear subscriber's recv() returns: PUB drops until subscribed."""
    pending = pool.submit(recv)
    for _ in range(100):
        send(peer, parts)
        with contextlib.suppress(TimeoutError):
            return pending.result(0.05)
    raise AssertionError("the vidgear subscriber received nothing")


def test_vidgear_subscriber_reads_framehub_frames(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    peer = make_peer(zmq.PUB)
    port = str(free_port())
    # subscriber_timeout bounds vidgear's blocking receive, should the goodbye be lost.
    options = {"multiserver_mode": True, "subscriber_timeout": 5}
    with Gear(port=[port], pattern=2, receive_mode=True, **options) as gear:
        peer.connect(int(port))
        sent = packet(FRAMES["bgr"], JpegEncoder(), message="over PUB", pattern=2, port=port)
        parts = encode_server_message(sent)
        received = publish_until_received(pool, peer, parts, gear.netgear.recv)
        assert received[:2] == (port, "over PUB")
        assert_received(received[2], sent, FRAMES["bgr"])
        # vidgear's receiver thread must end before its close(), or close() waits on it.
        goodbye = encode_server_message(EndOfStream(port=port))
        for _ in range(100):  # copies of the frame may still be queued ahead of it
            if publish_until_received(pool, peer, goodbye, gear.netgear.recv) is None:
                break
        else:
            raise AssertionError("the vidgear subscriber never took the goodbye")


# --------------------------------------------------------------------------- to vidgear servers


def serve(peer: Peer, reply: ClientMessage) -> FramePacket:
    """Receive one frame from a vidgear server and answer it with ``reply``."""
    message = decode_server_message(peer.recv())
    assert isinstance(message, FramePacket)
    send(peer, encode_client_message(reply))
    return message


def close_server(pool: ThreadPoolExecutor, gear: Gear, peer: Peer) -> None:
    """A vidgear server's close() says goodbye, then waits a little for an answer."""
    closing = pool.submit(gear.close)
    assert decode_server_message(peer.recv()) == EndOfStream()
    send(peer, encode_client_message(Ack("Termination signal received")))
    closing.result(RECV_TIMEOUT_S)


def test_vidgear_bidirectional_server_reads_framehub_replies(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    """A plain REP socket serves vidgear's REQ_CORRELATE server: REP keeps the envelope."""
    peer = make_peer(zmq.REP)
    port = peer.bind()
    frame = FRAMES["bgr"]
    with Gear(port=str(port), pattern=1, bidirectional_mode=True) as gear:
        for data in [*JSON_MESSAGES, None]:
            sending = pool.submit(gear.netgear.send, frame, message="ping")
            assert serve(peer, DataReply(data=data)).message == "ping"
            assert sending.result(RECV_TIMEOUT_S) == data
        for name, encoder in CASES:
            reply = encode_as(ArrayReply, FRAMES[name], encoder)
            sending = pool.submit(gear.netgear.send, frame)
            serve(peer, reply)
            image = sending.result(RECV_TIMEOUT_S)
            assert_received(image, FramePacket(b"", reply.compression), FRAMES[name])
        close_server(pool, gear, peer)


def test_vidgear_pair_server_reads_framehub_acknowledgements(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    peer = make_peer(zmq.PAIR)
    port = peer.bind()
    with Gear(port=str(port), pattern=0, jpeg_compression=False) as gear:
        for _ in range(3):
            sending = pool.submit(gear.netgear.send, FRAMES["gray"])
            received = serve(peer, Ack("Data received on device: FRAMEHUB !"))
            assert np.array_equal(received.raw_array(), FRAMES["gray"])
            assert sending.result(RECV_TIMEOUT_S) is None
        close_server(pool, gear, peer)


def test_vidgear_multi_client_server_reads_framehub_replies(
    make_peer: Callable[[int], Peer], pool: ThreadPoolExecutor
) -> None:
    """In Multi-Clients Mode each reply names the client's port, which send() returns."""
    peer = make_peer(zmq.REP)
    port = str(peer.bind())
    with Gear(port=[port], pattern=1, multiclient_mode=True) as gear:
        sending = pool.submit(gear.netgear.send, FRAMES["bgr"], message={"to": "all"})
        assert serve(peer, DataReply(data=[1, "x"], port=port)).message == {"to": "all"}
        assert sending.result(RECV_TIMEOUT_S) == (port, [1, "x"])
        close_server(pool, gear, peer)
