"""Targeted invalid messages: each is a WireError, never another exception."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest

from framehub.errors import WireError
from framehub.wire import (
    Ack,
    ArrayReply,
    DataReply,
    EndOfStream,
    FramePacket,
    Limits,
    Payload,
    decode_client_message,
    decode_server_message,
    encode_client_message,
)

BGR_8x6 = bytes(range(144))


def frame_header(**changes: Any) -> dict[str, Any]:
    """A valid vidgear raw-frame header for an 8x6 BGR uint8 frame, with changes."""
    header: dict[str, Any] = {
        "terminate_flag": False,
        "compression": False,
        "message": None,
        "pattern": "1",
        "dtype": "uint8",
        "shape": [6, 8, 3],
    }
    header.update(changes)
    return {key: value for key, value in header.items() if value is not ...}


def frame(payload: bytes = BGR_8x6, **changes: Any) -> list[bytes]:
    return [json.dumps(frame_header(**changes)).encode(), payload]


def array_reply(payload: bytes = BGR_8x6, **changes: Any) -> list[bytes]:
    header: dict[str, Any] = {
        "return_type": "ndarray",
        "compression": False,
        "array_dtype": "uint8",
        "array_shape": [6, 8, 3],
        "data": None,
    }
    header.update(changes)
    return [json.dumps(header).encode(), payload]


def test_the_valid_baselines_decode() -> None:
    assert isinstance(decode_server_message(frame()), FramePacket)
    reply = decode_client_message(array_reply())
    assert isinstance(reply, ArrayReply)
    assert reply.shape == (6, 8, 3)


INVALID_SERVER_MESSAGES: dict[str, Sequence[Payload]] = {
    "no parts": [],
    "three parts": [*frame(), b"extra"],
    "four parts": [*frame(), b"", b""],
    "frame without payload": frame()[:1],
    "truncated payload": frame(BGR_8x6[:-1]),
    "empty payload": frame(b""),
    "extra payload bytes": frame(BGR_8x6 + b"\x00"),
    "lying shape": frame(shape=[6, 8, 4]),
    "shape product overflows int64": frame(shape=[2**32, 2**32, 2**32]),
    "shape product wraps to the payload size": frame(shape=[2**64 + 144]),
    "negative dim": frame(shape=[-6, -8, 3]),
    "zero dim": frame(b"", shape=[0, 8, 3]),
    "bool dims": frame(b"\x00", shape=[True]),
    "float dims": frame(shape=[6.0, 8, 3]),
    "string dims": frame(shape=["6", "8", "3"]),
    "nested dims": frame(shape=[[6], 8, 3]),
    "no dims": frame(shape=[]),
    "too many dims": frame(shape=[1, 1, 6, 8, 3]),
    "shape is a string": frame(shape="6,8,3"),
    "shape is missing": frame(shape=...),
    "dtype object": frame(dtype="object"),
    "dtype O": frame(dtype="O"),
    "dtype V8": frame(dtype="V8"),
    "dtype <U4": frame(dtype="<U4"),
    "dtype complex128": frame(dtype="complex128"),
    "dtype big-endian": frame(dtype=">u1"),
    "dtype is a list": frame(dtype=["uint8"]),
    "dtype is a number": frame(dtype=8),
    "dtype is missing": frame(dtype=...),
    "header not JSON": [b"not json", BGR_8x6],
    "header not UTF-8": [b"\xff\xfe\x00{", BGR_8x6],
    "header half an object": [b'{"terminate_flag": false', BGR_8x6],
    "header empty": [b"", BGR_8x6],
    "header is a list": [b"[false]", BGR_8x6],
    "header is a string": [b'"terminate_flag"', BGR_8x6],
    "header is a number": [b"1"],
    "header is null": [b"null"],
    "missing terminate_flag": frame(terminate_flag=...),
    "terminate_flag string": [b'{"terminate_flag": "true"}'],
    "terminate_flag number": [b'{"terminate_flag": 1}'],
    "terminate_flag null": [b'{"terminate_flag": null}'],
    "terminate_flag 0 on a frame": frame(terminate_flag=0),
    "JPEG marked payload is raw": frame(
        compression={"dct": True, "ups": False, "colorspace": "BGR"}
    ),
    "compression true": frame(compression=True),
    "compression a list": frame(compression=["BGR"]),
    "compression a number": frame(compression=0),
    "bad colorspace": frame(b"\xff\xd8\xff", compression={"colorspace": "HSV"}),
    "lower-case colorspace": frame(b"\xff\xd8\xff", compression={"colorspace": "bgr"}),
    "colorspace a list": frame(b"\xff\xd8\xff", compression={"colorspace": ["BGR"]}),
    "colorspace a number": frame(b"\xff\xd8\xff", compression={"colorspace": 3}),
    "dct not bool": frame(b"\xff\xd8\xff", compression={"dct": "yes", "colorspace": "BGR"}),
    "ups not bool": frame(b"\xff\xd8\xff", compression={"ups": 1, "colorspace": "BGR"}),
    "pattern 3": frame(pattern="3"),
    "pattern bool": frame(pattern=True),
    "pattern a list": frame(pattern=["1"]),
    "port bool": frame(port=True),
    "port float": frame(port=5566.0),
    "port a list": frame(port=["5566"]),
    "port too long": frame(port="5" * 65),
    "terminate with a bad port": [b'{"terminate_flag": true, "port": {}}'],
    "fh_seq negative": frame(fh_seq=-1),
    "fh_seq float": frame(fh_seq=1.5),
    "fh_seq bool": frame(fh_seq=True),
    "fh_ts string": frame(fh_ts="1.5"),
    "fh_ts bool": frame(fh_ts=False),
    "fh_name number": frame(fh_name=5),
    "fh_name too long": frame(fh_name="x" * 65),
    "fh_sender list": frame(fh_sender=["a"]),
    "fh_ts NaN": [frame()[0].replace(b'"shape"', b'"fh_ts": NaN, "shape"'), BGR_8x6],
    "fh_ts Infinity": [frame()[0].replace(b'"shape"', b'"fh_ts": Infinity, "shape"'), BGR_8x6],
    "fh_ts -Infinity": [frame()[0].replace(b'"shape"', b'"fh_ts": -Infinity, "shape"'), BGR_8x6],
    "fh_ts overflows to inf": [frame()[0].replace(b'"shape"', b'"fh_ts": 1e999, "shape"'), BGR_8x6],
    "fh_ts int too large for a float": frame(fh_ts=10**400),
    "integer with too many digits": [b'{"terminate_flag": ' + b"1" * 5000 + b"}"],
}


@pytest.mark.parametrize(
    "parts", INVALID_SERVER_MESSAGES.values(), ids=INVALID_SERVER_MESSAGES.keys()
)
def test_invalid_server_message_is_a_wire_error(parts: Sequence[Payload]) -> None:
    with pytest.raises(WireError):
        decode_server_message(parts)


INVALID_CLIENT_MESSAGES: dict[str, Sequence[Payload]] = {
    "no parts": [],
    "three parts": [*array_reply(), b""],
    "ndarray reply without its array": array_reply()[:1],
    "two-part reply that is not an ndarray": [b'{"return_type": "str", "data": "x"}', b"x"],
    "two-part reply with a non-JSON header": [b"Data received", b"x"],
    "two-part reply with a list header": [b"[1]", b"x"],
    "truncated array": array_reply(BGR_8x6[:-1]),
    "extra array bytes": array_reply(BGR_8x6 + b"\x00"),
    "lying array shape": array_reply(array_shape=[6, 8]),
    "array dtype object": array_reply(array_dtype="object"),
    "array dtype a list": array_reply(array_dtype=["uint8"]),
    "array marked JPEG that is not": array_reply(compression={"colorspace": "BGR"}),
    "array with a bad colorspace": array_reply(b"\xff\xd8", compression={"colorspace": "YUV"}),
    "array with an unhashable colorspace": array_reply(b"\xff\xd8", compression={"colorspace": {}}),
    "data reply with a bad port": [b'{"return_type": "str", "data": "x", "port": true}'],
    "acknowledgement too long": [b"x" * 5000],
}


@pytest.mark.parametrize(
    "parts", INVALID_CLIENT_MESSAGES.values(), ids=INVALID_CLIENT_MESSAGES.keys()
)
def test_invalid_client_message_is_a_wire_error(parts: Sequence[Payload]) -> None:
    with pytest.raises(WireError):
        decode_client_message(parts)


def test_a_short_non_json_reply_is_an_acknowledgement() -> None:
    """vidgear's acknowledgements are free text; any short text reads as one."""
    assert decode_client_message([b"Data received on device: ABCD1234 !"]) == Ack(
        "Data received on device: ABCD1234 !"
    )
    assert decode_client_message([b"\xff\xfe"]) == Ack("\ufffd\ufffd")
    assert decode_client_message([b'{"no": "return_type"}']) == Ack('{"no": "return_type"}')


def test_an_acknowledgement_may_ask_for_fewer_frames_in_flight() -> None:
    """framehub's hub sends framehub senders a JSON acknowledgement with a window."""
    advising = encode_client_message(Ack("Data received on device: X !", window=2))
    assert json.loads(advising[0]) == {"ack": "Data received on device: X !", "fh_window": 2}
    assert decode_client_message(advising) == Ack("Data received on device: X !", window=2)
    # Without a window it is vidgear's plain string, byte for byte.
    assert encode_client_message(Ack("Data received on device: X !")) == [
        b"Data received on device: X !"
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"fh_window": 0},
        {"fh_window": 65},
        {"fh_window": -1},
        {"fh_window": "2"},
        {"fh_window": True},
        {"fh_window": 1.5},
        {"fh_window": None},
        {"fh_window": 2, "ack": 7},
    ],
)
def test_a_window_request_out_of_range_or_of_the_wrong_type_is_a_wire_error(body) -> None:
    with pytest.raises(WireError):
        decode_client_message([json.dumps(body).encode()])


# --------------------------------------------------------------------------- limits

TIGHT = Limits(max_header_bytes=200, max_payload_bytes=100, max_ndim=2, max_port_chars=4)


@pytest.mark.parametrize(
    ("parts", "decode"),
    [
        (frame(message="x" * 200), decode_server_message),
        (frame(), decode_server_message),  # 144-byte payload over 100
        (
            frame(b"\xff\xd8" + b"\x00" * 101, compression={"colorspace": "BGR"}),
            decode_server_message,
        ),
        (frame(b"\x00" * 48, shape=[1, 6, 8]), decode_server_message),  # 3 dims over 2
        (frame(b"\x00" * 48, shape=[6, 8], port="55661"), decode_server_message),
        ([b'{"terminate_flag": true, "port": "55661"}'], decode_server_message),
        (array_reply(), decode_client_message),
        ([b'{"return_type": "str", "data": "' + b"x" * 200 + b'"}'], decode_client_message),
    ],
    ids=[
        "header",
        "raw payload",
        "JPEG payload",
        "dims",
        "port",
        "port on a goodbye",
        "array reply",
        "data reply",
    ],
)
def test_limits_bound_what_is_accepted(
    parts: Sequence[Payload], decode: Callable[..., Any]
) -> None:
    with pytest.raises(WireError):
        decode(parts, TIGHT)


def test_tight_limits_still_accept_what_fits() -> None:
    assert isinstance(decode_server_message(frame(b"\x00" * 48, shape=[6, 8]), TIGHT), FramePacket)


def test_default_limits_accept_a_4k_frame_and_refuse_more() -> None:
    frame_4k = bytes(2160 * 3840 * 3)
    assert isinstance(decode_server_message(frame(frame_4k, shape=[2160, 3840, 3])), FramePacket)
    huge = bytes(64 * 1024 * 1024 + 1)
    with pytest.raises(WireError):
        decode_server_message(frame(huge, shape=[len(huge)]))


# --------------------------------------------------------------------------- nesting


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def at_stack_depth(depth: int, call: Callable[[], Any]) -> Any:
    """Run ``call`` ``depth`` Python frames deeper than here."""
    if depth == 0:
        return call()
    return at_stack_depth(depth - 1, call)


@pytest.mark.parametrize("field", ["terminate_flag", "compression", "message", "dtype", "port"])
def test_deeply_nested_json_is_a_wire_error(field: str) -> None:
    """Nesting past the interpreter's recursion limit raises RecursionError inside json."""
    for depth in (sys.getrecursionlimit() + 10, 100_000):
        header = frame()[0].replace(
            b'"terminate_flag": false', b'"%s": %s' % (field.encode(), nested(depth))
        )
        with pytest.raises(WireError):
            decode_server_message([header, BGR_8x6])


def test_deeply_nested_reply_is_a_wire_error_or_plain_text() -> None:
    """A one-part reply that is not a reply object reads as an acknowledgement's free text."""
    for depth in (sys.getrecursionlimit() + 10, 100_000):
        reply = b'{"return_type": "list", "data": %s}' % nested(depth)
        with contextlib.suppress(WireError):
            assert isinstance(decode_client_message([reply]), Ack)
        header, payload = array_reply()
        header = header.replace(b'"data": null', b'"data": %s' % nested(depth))
        with pytest.raises(WireError):
            decode_client_message([header, payload])


def test_nesting_near_the_recursion_limit_never_escapes_as_recursion_error() -> None:
    """Right at the limit the parse may succeed; whatever reads the value next must cope."""
    limit = sys.getrecursionlimit()
    for stack in (0, 50, 200):
        for depth in range(limit - stack - 120, limit - stack + 5, 3):
            for template in (
                b'{"terminate_flag": %s}',
                b'{"terminate_flag": false, "compression": {"colorspace": %s}}',
                b'{"terminate_flag": false, "compression": false, "dtype": %s}',
                b'{"terminate_flag": false, "compression": false, "message": %s,'
                b' "dtype": "uint8", "shape": [1]}',
            ):
                parts = [template % nested(max(depth, 1)), b"\x00"]
                try:
                    message = at_stack_depth(stack, partial(decode_server_message, parts))
                except WireError:
                    continue
                assert isinstance(message, FramePacket)


def test_a_goodbye_needs_no_second_part_and_ignores_one() -> None:
    assert decode_server_message([b'{"terminate_flag": true}']) == EndOfStream()
    assert decode_server_message([b'{"terminate_flag": true}', b"junk"]) == EndOfStream()


def test_a_frame_header_may_omit_what_vidgear_always_sends() -> None:
    """Missing optional fields take vidgear's meaning: no compression, no message, PAIR."""
    packet = decode_server_message(
        [b'{"terminate_flag": false, "dtype": "uint8", "shape": [2]}', b"ab"]
    )
    assert packet == FramePacket(payload=b"ab", dtype="uint8", shape=(2,), pattern=0)


def test_data_reply_keeps_any_json_value() -> None:
    reply = decode_client_message([b'{"return_type": "float", "data": 1e999}'])
    assert reply == DataReply(data=float("inf"))
