"""Hypothesis strategies for wire messages, shared by the round-trip and fuzz tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from framehub.wire import (
    H264_DTYPE,
    JPEG_COLORSPACES,
    MAX_WINDOW,
    RAW_DTYPES,
    Ack,
    ArrayReply,
    CodecInfo,
    Compression,
    DataReply,
    EndOfStream,
    FramePacket,
)

JPEG_SOI = b"\xff\xd8"

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)  # NaN != NaN, so it cannot round-trip by equality
    | st.text(max_size=16)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ports = st.none() | st.integers() | st.text(max_size=64)
compressions = st.builds(
    Compression, st.sampled_from(sorted(JPEG_COLORSPACES)), st.booleans(), st.booleans()
)
jpeg_payloads = st.binary(max_size=64).map(lambda tail: JPEG_SOI + tail)


@st.composite
def raw_layouts(draw: st.DrawFn) -> tuple[str, tuple[int, ...], bytes]:
    """A dtype from the allow-list, a shape, and a payload of exactly that size."""
    dtype = draw(st.sampled_from(sorted(RAW_DTYPES)))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    size = math.prod(shape) * np.dtype(dtype).itemsize
    # Bytes from a seeded generator: drawing kilobytes one by one makes examples slow.
    return dtype, shape, draw(st.randoms(use_true_random=False)).randbytes(size)


@st.composite
def frame_packets(draw: st.DrawFn) -> FramePacket:
    fields: dict[str, Any] = {
        "message": draw(json_values),
        "pattern": draw(st.integers(0, 2)),
        "port": draw(ports),
        "seq": draw(st.none() | st.integers(min_value=0)),
        "sent_at": draw(st.none() | st.floats(allow_nan=False, allow_infinity=False)),
        "name": draw(st.none() | st.text(max_size=64)),
        "sender": draw(st.none() | st.text(max_size=64)),
        "probe": draw(st.booleans()),
        "via": draw(st.none() | st.text(max_size=256)),
    }
    kind = draw(st.sampled_from(["raw", "jpeg", "h264"]))
    if kind == "h264":
        codec = CodecInfo(key=draw(st.booleans()), n=draw(st.integers(min_value=0)))
        payload = draw(st.binary(min_size=1, max_size=64))
        return FramePacket(payload=payload, dtype=H264_DTYPE, codec=codec, **fields)
    if kind == "raw":
        dtype, shape, payload = draw(raw_layouts())
        return FramePacket(payload=payload, dtype=dtype, shape=shape, **fields)
    return FramePacket(payload=draw(jpeg_payloads), compression=draw(compressions), **fields)


@st.composite
def array_replies(draw: st.DrawFn) -> ArrayReply:
    port = draw(ports)
    if draw(st.booleans()):
        dtype, shape, payload = draw(raw_layouts())
        return ArrayReply(payload=payload, dtype=dtype, shape=shape, port=port)
    return ArrayReply(payload=draw(jpeg_payloads), compression=draw(compressions), port=port)


server_messages = frame_packets() | st.builds(EndOfStream, ports)
# An acknowledgement is free text; one that reads as a reply object is a reply instead.
ack_texts = st.text(max_size=200).filter(
    lambda text: "return_type" not in text and "fh_" not in text
)
acks = st.builds(
    Ack, ack_texts, st.none() | st.integers(1, MAX_WINDOW), st.booleans(), st.booleans()
)
data_replies = st.builds(DataReply, json_values, ports)
client_messages = acks | data_replies | array_replies()
