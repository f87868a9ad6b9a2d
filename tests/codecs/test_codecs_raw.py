"""Raw frames: exact round trips, C-contiguous bytes on the wire, clear refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from framehub.codecs import RawEncoder, decode_frame
from framehub.errors import ConfigError
from framehub.wire import (
    RAW_DTYPES,
    ArrayReply,
    FramePacket,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)

SHAPES = [(6, 8, 3), (6, 8), (17,), (2, 3, 4, 5), (1, 1)]


def sample(dtype: str, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """Values that use the whole dtype, so that a byte-order or width slip shows."""
    rng = np.random.default_rng(7)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    info = np.finfo(dtype) if dtype.startswith("float") else np.iinfo(dtype)
    values = rng.uniform(-1, 1, size=shape) * float(info.max)
    if dtype.startswith("u"):
        values = np.abs(values)
    return values.astype(dtype)


def over_the_wire(frame: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    encoded = RawEncoder().encode(frame)
    sent = FramePacket(
        payload=encoded.payload, dtype=encoded.dtype, shape=encoded.shape, message="m"
    )
    parts = [bytes(part) for part in encode_server_message(sent)]
    received = decode_server_message(parts)
    assert isinstance(received, FramePacket)
    return decode_frame(received)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", sorted(RAW_DTYPES))
def test_raw_frames_round_trip_exactly(dtype: str, shape: tuple[int, ...]) -> None:
    frame = sample(dtype, shape)
    image = over_the_wire(frame)
    assert image.dtype == frame.dtype
    assert image.shape == frame.shape
    assert image.tobytes() == frame.tobytes()  # bitwise, so NaN and -0.0 count too


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[:, ::2],
        lambda a: a[::-1],
        lambda a: a.transpose(1, 0, 2),
        lambda a: a[1:5, 2:7, 1],
        lambda a: np.asfortranarray(a),
    ],
    ids=["strided", "reversed", "transposed", "sliced", "fortran"],
)
def test_non_contiguous_frames_go_out_as_c_contiguous_bytes(view: Any) -> None:
    base = np.arange(6 * 8 * 3, dtype=np.uint16).reshape(6, 8, 3)
    frame = view(base)
    encoded = RawEncoder().encode(frame)
    payload = memoryview(encoded.payload)
    assert payload.c_contiguous
    assert payload.format == "B"
    assert payload.nbytes == frame.nbytes
    assert bytes(payload) == np.ascontiguousarray(frame).tobytes()
    assert encoded.shape == frame.shape
    assert np.array_equal(over_the_wire(frame), frame)


def test_contiguous_frames_are_sent_without_a_copy() -> None:
    frame = np.zeros((6, 8, 3), np.uint8)
    encoded = RawEncoder().encode(frame)
    assert np.shares_memory(np.frombuffer(encoded.payload, np.uint8), frame)
    assert len(encoded.payload) == frame.nbytes


def test_received_raw_frames_are_views_of_the_received_buffer() -> None:
    buffer = bytearray(range(48))
    packet = FramePacket(payload=memoryview(buffer), dtype="uint8", shape=(6, 8))
    image = decode_frame(packet)
    assert np.shares_memory(image, np.frombuffer(buffer, np.uint8))


def test_raw_array_replies_round_trip() -> None:
    frame = sample("float32", (6, 8))
    encoded = RawEncoder().encode(frame)
    reply = ArrayReply(payload=encoded.payload, dtype=encoded.dtype, shape=encoded.shape)
    received = decode_client_message([bytes(p) for p in encode_client_message(reply)])
    assert isinstance(received, ArrayReply)
    assert np.array_equal(decode_frame(received), frame)


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        (np.array([object()]), "dtype"),
        (np.zeros(3, np.complex64), "dtype"),
        (np.zeros(3, ">u2"), "dtype"),
        (np.array(["ab"]), "dtype"),
        (np.zeros(3, [("a", "u1"), ("b", "f4")]), "dtype"),
        (np.zeros(3, "datetime64[s]"), "dtype"),
        (np.array(3, np.uint8), "dimensions"),
        (np.zeros((1, 1, 1, 1, 1), np.uint8), "dimensions"),
        (np.zeros((0, 8, 3), np.uint8), "dimensions"),
        ([1, 2, 3], "numpy.ndarray"),
        (b"\x00\x01", "numpy.ndarray"),
    ],
    ids=[
        "object",
        "complex",
        "big-endian",
        "str",
        "structured",
        "datetime",
        "0-d",
        "5-d",
        "empty",
        "list",
        "bytes",
    ],
)
def test_raw_encoder_refuses_what_no_receiver_accepts(frame: Any, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        RawEncoder().encode(frame)


def test_raw_encoder_declares_no_compression() -> None:
    assert RawEncoder().compression is None
    assert RawEncoder().encode(np.zeros(4, np.uint8)).compression is None
