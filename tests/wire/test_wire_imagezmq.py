"""imagezmq's wire: its real senders' bytes decode; anything else is a WireError."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
import zmq
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_strategies import JPEG_SOI, json_values, raw_layouts

from framehub.errors import WireError
from framehub.wire import (
    DEFAULT_LIMITS,
    FramePacket,
    Limits,
    Payload,
    decode_imagezmq_message,
    encode_imagezmq_message,
)

imagezmq = pytest.importorskip("imagezmq")

FUZZ = settings(max_examples=150, deadline=None)
SMALL_LIMITS = Limits(max_header_bytes=200, max_payload_bytes=400, max_name_chars=16)
BGR_6x8 = np.arange(144, dtype=np.uint8).reshape(6, 8, 3)
JPEG = JPEG_SOI + b"\xe0 not a real image, which the wire layer does not look into"


def decode(parts: Sequence[Payload], limits: Limits = DEFAULT_LIMITS) -> FramePacket:
    return decode_imagezmq_message(parts, pattern=1, via="5555", limits=limits)


@pytest.fixture
def imagezmq_pair() -> Iterator[tuple[Any, zmq.Socket[bytes]]]:
    """imagezmq's own serialising socket, and a plain one receiving what it sends."""
    context = imagezmq.SerializingContext()
    sender = context.socket(zmq.PAIR)
    receiver = context.socket(zmq.PAIR)
    sender.bind("inproc://imagezmq-wire")
    receiver.connect("inproc://imagezmq-wire")
    yield sender, receiver
    sender.close(linger=0)
    receiver.close(linger=0)
    context.term()


def test_send_image_bytes_decode_to_the_named_array(imagezmq_pair: Any) -> None:
    sender, receiver = imagezmq_pair
    sender.send_array(BGR_6x8, "pi1|front")
    packet = decode(receiver.recv_multipart())
    assert (packet.name, packet.via, packet.pattern) == ("pi1|front", "5555", 1)
    assert packet.compression is None
    assert np.array_equal(packet.raw_array(), BGR_6x8)


def test_send_jpg_bytes_decode_to_the_named_jpeg(imagezmq_pair: Any) -> None:
    sender, receiver = imagezmq_pair
    sender.send_jpg("pi2|back", JPEG)
    packet = decode(receiver.recv_multipart())
    assert packet.name == "pi2|back"
    assert packet.compression is not None
    assert bytes(packet.payload) == JPEG
    assert (packet.dtype, packet.shape) == ("", ())


def metadata(**changes: Any) -> bytes:
    header: dict[str, Any] = {"msg": "pi1", "dtype": "uint8", "shape": [6, 8, 3]}
    header.update(changes)
    return json.dumps({key: value for key, value in header.items() if value is not ...}).encode()


INVALID: dict[str, list[bytes]] = {
    "one part": [metadata()],
    "three parts": [metadata(), BGR_6x8.tobytes(), b""],
    "metadata not JSON": [b"\x80not json", BGR_6x8.tobytes()],
    "metadata not an object": [b"[1, 2]", BGR_6x8.tobytes()],
    "no name": [metadata(msg=...), BGR_6x8.tobytes()],
    "empty name": [metadata(msg=""), BGR_6x8.tobytes()],
    "name not text": [metadata(msg={"host": "pi1"}), BGR_6x8.tobytes()],
    "name too long": [metadata(msg="x" * 65), BGR_6x8.tobytes()],
    "dtype not allowed": [metadata(dtype="object"), BGR_6x8.tobytes()],
    "dtype missing": [metadata(dtype=...), BGR_6x8.tobytes()],
    "shape missing": [metadata(shape=...), BGR_6x8.tobytes()],
    "shape not a list": [metadata(shape="6x8"), BGR_6x8.tobytes()],
    "lying shape": [metadata(shape=[6, 8, 4]), BGR_6x8.tobytes()],
    "truncated payload": [metadata(), BGR_6x8.tobytes()[:-1]],
    "negative size": [metadata(shape=[-6, -8, 3]), BGR_6x8.tobytes()],
    "jpeg without its marker": [json.dumps({"msg": "pi1"}).encode(), b"GIF89a"],
    "empty jpeg": [json.dumps({"msg": "pi1"}).encode(), b""],
}


@pytest.mark.parametrize("parts", INVALID.values(), ids=INVALID.keys())
def test_invalid_metadata_is_a_wire_error(parts: list[bytes]) -> None:
    with pytest.raises(WireError):
        decode(parts)


def test_sizes_are_bounded() -> None:
    with pytest.raises(WireError):
        decode([metadata(msg="a" + " " * 300), BGR_6x8.tobytes()], SMALL_LIMITS)
    with pytest.raises(WireError):
        decode([json.dumps({"msg": "pi1"}).encode(), JPEG + bytes(400)], SMALL_LIMITS)


names = st.text(min_size=1, max_size=64)


@st.composite
def packets(draw: st.DrawFn) -> FramePacket:
    name = draw(names)
    if draw(st.booleans()):
        dtype, shape, payload = draw(raw_layouts())
        return FramePacket(payload=payload, dtype=dtype, shape=shape, name=name)
    tail = draw(st.binary(max_size=64))
    return decode([json.dumps({"msg": name}).encode(), JPEG_SOI + tail])


@FUZZ
@given(packets())
def test_encode_then_decode_gives_the_packet_back(packet: FramePacket) -> None:
    decoded = decode(encode_imagezmq_message(packet))
    assert (decoded.name, decoded.dtype, decoded.shape) == (packet.name, packet.dtype, packet.shape)
    assert bytes(decoded.payload) == bytes(packet.payload)
    assert (decoded.compression is None) == (packet.compression is None)


metadata_objects = st.dictionaries(
    st.sampled_from(["msg", "dtype", "shape", "extra"]) | st.text(max_size=4), json_values
)


@FUZZ
@given(st.lists(st.binary(max_size=80) | metadata_objects.map(lambda o: json.dumps(o).encode())))
def test_any_bytes_give_a_packet_or_a_wire_error(parts: list[bytes]) -> None:
    try:
        packet = decode(parts, SMALL_LIMITS)
    except WireError:
        return
    assert packet.name
    if packet.compression is None:
        assert packet.raw_array().nbytes == len(packet.payload)
