"""Typed messages to vidgear-compatible multipart bytes."""

from __future__ import annotations

import json
from math import isfinite
from typing import Any

from ..errors import ConfigError
from .messages import (
    Ack,
    ClientMessage,
    CodecInfo,
    Compression,
    DataReply,
    EndOfStream,
    JSONValue,
    Payload,
    ServerMessage,
)

__all__ = ["FrameHeader", "dump_json", "encode_client_message", "encode_server_message"]


# json.dumps builds a new encoder whenever it is given options: one made once saves a
# quarter of a sender's Python time per frame (measured with the benchmark profiler).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def dump_json(obj: Any, *, what: str = "message") -> bytes:
    """Serialise a header; a value JSON cannot carry is the caller's mistake, named as ``what``."""
    try:
        return _COMPACT.encode(obj).encode()
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{what} must be JSON-serialisable (str, int, float, bool, None, list, dict); {exc}"
        ) from None


def _compression_field(compression: Compression | None) -> dict[str, Any] | bool:
    if compression is None:
        return False
    return {
        "dct": compression.fastdct,
        "ups": compression.fastupsample,
        "colorspace": compression.colorspace,
    }


def _with_port(port: str | int | None) -> dict[str, JSONValue]:
    return {} if port is None else {"port": port}


class FrameHeader:
    """The JSON header of one server's frames, its unchanging fields encoded once.

    A camera sends frames of one dtype, shape and compression; only the message,
    the sequence number and the send time differ from frame to frame. Rendering
    joins those to the bytes kept here, where building and encoding the whole
    header again was most of a sender's Python time per frame. The result is the
    bytes ``encode_server_message`` gives for the same packet: it is built by this.
    """

    __slots__ = ("_head", "_tail")

    def __init__(
        self,
        *,
        port: str | int | None,
        pattern: int,
        compression: Compression | None,
        dtype: str,
        shape: tuple[int, ...],
        name: str | None = None,
        sender: str | None = None,
        probe: bool = False,
        via: str | None = None,
    ) -> None:
        before: dict[str, JSONValue] = {
            **_with_port(port),
            "terminate_flag": False,
            "compression": _compression_field(compression),
        }
        after: dict[str, JSONValue] = {
            "pattern": str(pattern),
            "dtype": dtype if compression is None else "",
            "shape": list(shape) if compression is None else "",
        }
        # framehub's own keys, which vidgear ignores; left out when None.
        if name is not None:
            after["fh_name"] = name
        if sender is not None:
            after["fh_sender"] = sender
        if probe:
            after["fh_probe"] = True
        if via is not None:
            after["fh_via"] = via
        # vidgear's key order, with "message" between the two.
        self._head = b"{" + _members(before) + b',"message":'
        self._tail = b"," + _members(after)

    def render(
        self,
        message: JSONValue,
        seq: int | None,
        sent_at: float | None,
        codec: CodecInfo | None = None,
    ) -> bytes:
        """The header of one frame; ``seq``, ``sent_at`` and ``codec`` are left out when None."""
        parts = [self._head, _NULL if message is None else dump_json(message), self._tail]
        if codec is not None:
            parts.append(
                b',"fh_codec":{"name":%s,"key":%s,"n":%d}'
                % (dump_json(codec.name), b"true" if codec.key else b"false", codec.n)
            )
        if seq is not None:
            parts.append(b',"fh_seq":%d' % seq)
        if sent_at is not None:
            ts = float(sent_at)
            # repr is JSON's own text for a finite float, without an encoder's set-up.
            parts.append(b',"fh_ts":' + (repr(ts).encode() if isfinite(ts) else dump_json(ts)))
        parts.append(b"}")
        return b"".join(parts)


_NULL = b"null"


def _members(fields: dict[str, JSONValue]) -> bytes:
    """``fields`` as JSON object members, without the braces."""
    return dump_json(fields)[1:-1]


def encode_server_message(msg: ServerMessage) -> list[Payload]:
    """Encode what a server sends: a two-part frame message or a one-part goodbye."""
    if isinstance(msg, EndOfStream):
        # vidgear puts "port" last in its goodbye (first in frame headers); keep its order.
        return [dump_json({"terminate_flag": True, **_with_port(msg.port)})]
    header = FrameHeader(
        port=msg.port,
        pattern=msg.pattern,
        compression=msg.compression,
        dtype=msg.dtype,
        shape=msg.shape,
        name=msg.name,
        sender=msg.sender,
        probe=msg.probe,
        via=msg.via,
    )
    return [header.render(msg.message, msg.seq, msg.sent_at, msg.codec), msg.payload]


def encode_client_message(msg: ClientMessage) -> list[Payload]:
    """Encode what a client answers: an ack string, return data, or an ndarray reply."""
    if isinstance(msg, Ack):
        if msg.plain:
            return [msg.text.encode()]
        body: dict[str, JSONValue] = {"ack": msg.text}
        if msg.window is not None:
            body["fh_window"] = msg.window
        if msg.hub:
            body["fh_hub"] = True
        if msg.keyframe:
            body["fh_key"] = True
        return [dump_json(body)]
    if isinstance(msg, DataReply):
        data = {**_with_port(msg.port), "return_type": type(msg.data).__name__, "data": msg.data}
        return [dump_json(data, what="return_data")]
    header: dict[str, JSONValue] = {
        **_with_port(msg.port),
        "return_type": "ndarray",
        "compression": _compression_field(msg.compression),
        "array_dtype": msg.dtype if msg.compression is None else "",
        "array_shape": list(msg.shape) if msg.compression is None else "",
        "data": None,
    }
    return [dump_json(header), msg.payload]
