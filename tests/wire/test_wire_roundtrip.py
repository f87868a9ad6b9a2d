"""decode(encode(m)) == m, and every header framehub writes has vidgear's keys and types."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from wire_strategies import (
    array_replies,
    client_messages,
    data_replies,
    frame_packets,
    server_messages,
)

from framehub.wire import (
    ArrayReply,
    ClientMessage,
    DataReply,
    EndOfStream,
    FramePacket,
    ServerMessage,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)

PROPERTY = settings(max_examples=300, deadline=None)

# Key order as vidgear 0.3.6 writes them (see the goldens); "port" leads when present.
FRAME_KEYS = ["terminate_flag", "compression", "message", "pattern", "dtype", "shape"]
ARRAY_REPLY_KEYS = ["return_type", "compression", "array_dtype", "array_shape", "data"]


@PROPERTY
@given(server_messages)
def test_server_messages_round_trip(message: ServerMessage) -> None:
    parts = encode_server_message(message)
    assert decode_server_message(parts) == message
    # A receiver gets zero-copy views of the ZeroMQ frames, not bytes.
    assert decode_server_message([memoryview(bytes(part)) for part in parts]) == message


@PROPERTY
@given(client_messages)
def test_client_messages_round_trip(message: ClientMessage) -> None:
    parts = encode_client_message(message)
    assert decode_client_message(parts) == message
    assert decode_client_message([memoryview(bytes(part)) for part in parts]) == message


def header_of(parts: list[Any]) -> dict[str, Any]:
    header = json.loads(bytes(parts[0]))
    assert isinstance(header, dict)
    return header


def without_extensions(header: dict[str, Any], port: object) -> list[str]:
    """The header's keys less framehub's own (``fh_*``) and the leading port."""
    keys = [key for key in header if not key.startswith("fh_")]
    if port is not None:
        assert keys[0] == "port"
        assert header["port"] == port
        keys = keys[1:]
    return keys


def assert_compression_field(value: object, raw: bool) -> None:
    if raw:
        assert value is False
        return
    assert isinstance(value, dict)
    assert list(value) == ["dct", "ups", "colorspace"]
    assert isinstance(value["dct"], bool)
    assert isinstance(value["ups"], bool)
    assert isinstance(value["colorspace"], str)


@PROPERTY
@given(frame_packets())
def test_frame_header_has_vidgears_keys_and_types(packet: FramePacket) -> None:
    header = header_of(encode_server_message(packet))
    raw = packet.compression is None
    assert without_extensions(header, packet.port) == FRAME_KEYS
    assert header["terminate_flag"] is False
    assert_compression_field(header["compression"], raw)
    assert header["pattern"] in ("0", "1", "2")
    assert header["dtype"] == (packet.dtype if raw else "")
    assert header["shape"] == (list(packet.shape) if raw else "")
    framehubs = ("fh_seq", "fh_ts", "fh_name", "fh_sender", "fh_codec", "fh_probe", "fh_via")
    assert all(key in framehubs for key in header if key.startswith("fh_"))


@PROPERTY
@given(frame_packets())
def test_frame_header_bytes_are_the_whole_header_encoded_at_once(packet: FramePacket) -> None:
    # The sender keeps a header's unchanging fields encoded (FrameHeader); the bytes
    # must be those of encoding the whole header in vidgear's key order, every time.
    header = encode_server_message(packet)[0]
    fields = json.loads(header)
    keys = list(fields)
    if "port" in fields:
        assert keys[0] == "port"
    assert [key for key in keys if key != "port"][:6] == [
        "terminate_flag",
        "compression",
        "message",
        "pattern",
        "dtype",
        "shape",
    ]
    assert header == json.dumps(fields, separators=(",", ":")).encode()


@PROPERTY
@given(array_replies())
def test_array_reply_header_has_vidgears_keys_and_types(reply: ArrayReply) -> None:
    header = header_of(encode_client_message(reply))
    raw = reply.compression is None
    assert without_extensions(header, reply.port) == ARRAY_REPLY_KEYS
    assert header["return_type"] == "ndarray"
    assert_compression_field(header["compression"], raw)
    assert header["array_dtype"] == (reply.dtype if raw else "")
    assert header["array_shape"] == (list(reply.shape) if raw else "")
    assert header["data"] is None


@PROPERTY
@given(data_replies)
def test_data_reply_names_the_python_type_as_vidgear_does(message: DataReply) -> None:
    header = header_of(encode_client_message(message))
    assert without_extensions(header, message.port) == ["return_type", "data"]
    assert header["return_type"] == type(message.data).__name__


def test_end_of_stream_header_is_vidgears() -> None:
    assert header_of(encode_server_message(EndOfStream())) == {"terminate_flag": True}
    header = header_of(encode_server_message(EndOfStream(port="5566")))
    assert list(header.items()) == [("terminate_flag", True), ("port", "5566")]
