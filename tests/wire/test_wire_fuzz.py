"""Whatever bytes a peer sends, decoding gives a message or a WireError, nothing else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_goldens import load_goldens
from wire_strategies import JPEG_SOI, json_values, ports

from framehub.codecs import decode_frame
from framehub.errors import WireError
from framehub.wire import (
    JPEG_COLORSPACES,
    RAW_DTYPES,
    Ack,
    ArrayReply,
    Compression,
    DataReply,
    EndOfStream,
    FramePacket,
    Limits,
    decode_client_message,
    decode_server_message,
)

FUZZ = settings(max_examples=400, deadline=None)

GOLDEN_PARTS = [part for golden in load_goldens() for part in golden.parts]
JPEG_GOLDENS = [
    golden.parts[1]
    for golden in load_goldens()
    if golden.parts[1:2] and golden.parts[1].startswith(JPEG_SOI)
]
# Small limits so that the fuzzer reaches the size checks too.
SMALL_LIMITS = Limits(max_header_bytes=300, max_payload_bytes=600, max_ack_chars=40)


def decode_everything(parts: Sequence[bytes], limits: Limits | None = None) -> None:
    """Run both decoders, then the frame decoder on what they return: WireError or a value."""
    options = {} if limits is None else {"limits": limits}
    try:
        server = decode_server_message(parts, **options)
    except WireError:
        pass
    else:
        assert isinstance(server, FramePacket | EndOfStream)
        if isinstance(server, FramePacket):
            check_frame(server)
    try:
        client = decode_client_message(parts, **options)
    except WireError:
        pass
    else:
        assert isinstance(client, Ack | DataReply | ArrayReply)
        if isinstance(client, ArrayReply):
            check_frame(client)


def check_frame(packet: FramePacket | ArrayReply) -> None:
    if packet.compression is None:
        # The decoder promised that dtype and shape describe the payload exactly.
        image = decode_frame(packet)
        assert image.nbytes == len(packet.payload)
        assert image.dtype == np.dtype(packet.dtype)
        assert image.shape == packet.shape
        return
    try:
        image = decode_frame(packet, min_width=4, min_height=4)
    except WireError:
        return
    assert isinstance(image, np.ndarray)


# --------------------------------------------------------------------------- raw bytes

any_part = (
    st.binary(max_size=80)
    | st.sampled_from(GOLDEN_PARTS)
    | json_values.map(lambda value: json.dumps(value).encode())
)


@FUZZ
@given(st.lists(any_part, max_size=4))
def test_any_parts_decode_to_a_message_or_wire_error(parts: list[bytes]) -> None:
    decode_everything(parts)
    decode_everything(parts, SMALL_LIMITS)


# --------------------------------------------------------------------------- headers

header_fields = {
    "terminate_flag": st.booleans() | json_values,
    "compression": st.just(False)
    | st.fixed_dictionaries(
        {},
        optional={
            "dct": st.booleans() | json_values,
            "ups": st.booleans() | json_values,
            "colorspace": st.sampled_from(sorted(JPEG_COLORSPACES)) | json_values,
        },
    )
    | json_values,
    "message": json_values,
    "pattern": st.sampled_from(["0", "1", "2", 0, 1, 2, 3, "3", True]) | json_values,
    "dtype": st.sampled_from([*sorted(RAW_DTYPES), "object", "O", "V8", "<U4"]) | json_values,
    "shape": st.lists(st.integers(-2, 2**64) | st.booleans() | json_values, max_size=5)
    | json_values,
    "port": ports | json_values,
    "fh_seq": st.integers() | json_values,
    "fh_ts": st.floats() | st.integers() | json_values,
    "fh_name": st.text(max_size=80) | json_values,
    "fh_sender": st.text(max_size=80) | json_values,
    "return_type": st.sampled_from(["ndarray", "str", "NoneType"]) | json_values,
    "array_dtype": st.sampled_from(sorted(RAW_DTYPES)) | json_values,
    "array_shape": st.lists(st.integers(-1, 64), max_size=4) | json_values,
    "data": json_values,
}
headers = st.fixed_dictionaries({}, optional=header_fields)
payloads = (
    st.binary(max_size=64)
    | st.binary(max_size=64).map(lambda tail: JPEG_SOI + tail)
    | st.sampled_from(JPEG_GOLDENS)
    | st.integers(0, 4096).map(bytes)
)


@FUZZ
@given(headers, st.lists(payloads, max_size=2))
def test_any_header_decodes_to_a_message_or_wire_error(
    header: dict[str, Any], payload: list[bytes]
) -> None:
    decode_everything([json.dumps(header).encode(), *payload])


# --------------------------------------------------------------------------- goldens


def test_every_truncation_of_every_golden_is_handled() -> None:
    for golden in load_goldens():
        for index, part in enumerate(golden.parts):
            for cut in range(len(part)):
                parts = list(golden.parts)
                parts[index] = part[:cut]
                decode_everything(parts)
            decode_everything([*golden.parts[:index], *golden.parts[index + 1 :]])


@FUZZ
@given(
    st.sampled_from(load_goldens()),
    st.data(),
)
def test_corrupted_goldens_are_handled(golden: Any, data: st.DataObject) -> None:
    parts = [bytearray(part) for part in golden.parts]
    index = data.draw(st.integers(0, len(parts) - 1))
    part = parts[index]
    for _ in range(data.draw(st.integers(1, 4))):
        if part:
            part[data.draw(st.integers(0, len(part) - 1))] = data.draw(st.integers(0, 255))
    part += data.draw(st.binary(max_size=8))
    decode_everything([bytes(p) for p in parts])


@FUZZ
@given(st.sampled_from(JPEG_GOLDENS), st.data())
def test_corrupted_jpeg_payloads_decode_or_raise_wire_error(
    jpeg: bytes, data: st.DataObject
) -> None:
    corrupted = bytearray(jpeg)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(2, len(corrupted) - 1))
        corrupted[position] = data.draw(st.integers(0, 255))
    for colorspace in ("BGR", "GRAY", "RGBA", "CMYK"):
        packet = FramePacket(
            payload=bytes(corrupted),
            compression=Compression(colorspace=colorspace),
        )
        check_frame(packet)
