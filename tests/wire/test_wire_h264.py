"""framehub's H.264 header keys: what a frame and an acknowledgement carry, and what
a hub does with invalid values (a ``WireError``, which the hub drops and counts)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from framehub.errors import WireError
from framehub.wire import (
    H264_DTYPE,
    Ack,
    CodecInfo,
    FramePacket,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)

H264_FRAME = FramePacket(
    payload=b"\x00\x00\x00\x01\x67",
    dtype=H264_DTYPE,
    message={"n": 1},
    pattern=1,
    port="5566",
    seq=7,
    sent_at=1.5,
    codec=CodecInfo(key=True, n=3),
)


def _header(parts: list) -> dict:
    return json.loads(bytes(parts[0]))


def test_an_h264_frame_says_its_codec_in_a_key_of_framehubs_own() -> None:
    parts = encode_server_message(H264_FRAME)
    header = _header(parts)
    assert header["fh_codec"] == {"name": "h264", "key": True, "n": 3}
    # What vidgear reads: no JPEG, and a dtype numpy refuses, naming the problem.
    assert header["compression"] is False
    assert header["dtype"] == H264_DTYPE
    with pytest.raises(TypeError, match="framehub"):
        np.frombuffer(bytes(parts[1]), dtype=header["dtype"])
    assert decode_server_message(parts) == H264_FRAME


def test_a_probe_asks_for_a_framehub_acknowledgement() -> None:
    probe = FramePacket(payload=b"\x01", dtype="uint8", shape=(1,), probe=True)
    parts = encode_server_message(probe)
    assert _header(parts)["fh_probe"] is True
    decoded = decode_server_message(parts)
    assert decoded.probe and decoded.wants_hub_ack
    plain = decode_server_message(encode_server_message(FramePacket(b"\x01", None, "uint8", (1,))))
    assert not plain.wants_hub_ack


def test_a_framehub_acknowledgement_says_hub_and_asks_for_a_keyframe() -> None:
    ack = Ack("Data received on device: X !", hub=True, keyframe=True)
    parts = encode_client_message(ack)
    assert json.loads(parts[0]) == {
        "ack": "Data received on device: X !",
        "fh_hub": True,
        "fh_key": True,
    }
    assert decode_client_message(parts) == ack
    assert not ack.plain and Ack("x").plain


@pytest.mark.parametrize(
    "codec",
    [
        {"name": "h265", "key": True, "n": 0},
        {"name": "h264", "key": "yes", "n": 0},
        {"name": "h264", "key": True, "n": -1},
        {"name": "h264", "key": True, "n": 1.5},
        {"name": "h264", "key": True, "n": True},
        {"name": "h264", "key": True},
        "h264",
        None,
        [1, 2],
    ],
)
def test_an_invalid_codec_key_is_a_wire_error(codec: object) -> None:
    header = _header(encode_server_message(H264_FRAME))
    header["fh_codec"] = codec
    with pytest.raises(WireError):
        decode_server_message([json.dumps(header).encode(), b"\x00\x00\x01"])


@pytest.mark.parametrize(
    ("key", "value", "payload"),
    [
        ("compression", {"colorspace": "BGR", "dct": False, "ups": False}, b"\xff\xd8"),
        ("fh_probe", "yes", b"\x00"),
        ("fh_probe", 1, b"\x00"),
        ("message", None, b""),  # an empty H.264 payload
    ],
)
def test_an_h264_frame_with_a_lying_field_is_a_wire_error(
    key: str, value: object, payload: bytes
) -> None:
    header = _header(encode_server_message(H264_FRAME))
    header[key] = value
    with pytest.raises(WireError):
        decode_server_message([json.dumps(header).encode(), payload])


@pytest.mark.parametrize(
    "body",
    [{"fh_hub": "yes"}, {"fh_key": 1}, {"fh_hub": True, "fh_window": 0}, {"fh_key": None}],
)
def test_an_invalid_framehub_acknowledgement_is_a_wire_error(body: dict) -> None:
    with pytest.raises(WireError):
        decode_client_message([json.dumps(body).encode()])
