"""vidgear-compatible multipart bytes to typed messages, validating every field.

Every function here either returns a message or raises ``WireError``: whatever
bytes a peer sends, nothing else can come out (see the property tests).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import WireError
from .limits import DEFAULT_LIMITS, Limits
from .messages import (
    H264,
    H264_DTYPE,
    JPEG_COLORSPACES,
    MAX_WINDOW,
    RAW_DTYPES,
    Ack,
    ArrayReply,
    ClientMessage,
    CodecInfo,
    Compression,
    DataReply,
    EndOfStream,
    FramePacket,
    Payload,
    ServerMessage,
)

__all__ = ["decode_client_message", "decode_server_message"]

_JPEG_SOI = b"\xff\xd8"
#: One decoder for every header: ``json.loads`` would look up the text's encoding
#: and its default decoder on each call.
_JSON = json.JSONDecoder()
_ITEMSIZE = {name: np.dtype(name).itemsize for name in RAW_DTYPES}
#: ``fh_via`` is a hub's port or a sender's address (``ipc://`` paths run long).
_MAX_VIA_CHARS = 256


def load_object(part: Payload, limits: Limits, what: str) -> dict[str, Any]:
    if len(part) > limits.max_header_bytes:
        raise WireError(f"{what} is {len(part)} bytes, over the {limits.max_header_bytes} limit")
    try:
        # vidgear's headers are UTF-8 (pyzmq's send_json); invalid UTF-8 is a ValueError.
        obj = _JSON.decode(str(part, "utf-8"))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"{what} is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise WireError(f"{what} must be a JSON object, got {type(obj).__name__}")
    return obj


def _flag(header: dict[str, Any], key: str, default: bool | None = None) -> bool:
    value = header.get(key, default)
    if not isinstance(value, bool):
        raise WireError(f"{key!r} must be true or false, got {value!r:.40}")
    return value


def _port(header: dict[str, Any], limits: Limits) -> str | int | None:
    port = header.get("port")
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, str | int):
        raise WireError(f"'port' must be a string or an integer, got {type(port).__name__}")
    if isinstance(port, str) and len(port) > limits.max_port_chars:
        raise WireError("'port' is too long")
    return port


def _compression(value: Any) -> Compression | None:
    if value is False or value is None:
        return None
    if not isinstance(value, dict):
        raise WireError(f"'compression' must be false or an object, got {value!r:.40}")
    colorspace = value.get("colorspace", "BGR")
    # Check the type first: an unhashable value (a list) would make ``in`` raise TypeError.
    if not isinstance(colorspace, str) or colorspace not in JPEG_COLORSPACES:
        raise WireError(f"unknown JPEG colorspace {colorspace!r:.20}")
    return Compression(
        colorspace=colorspace,
        fastdct=_flag(value, "dct", False),
        fastupsample=_flag(value, "ups", False),
    )


def _pattern(value: Any) -> int:
    if isinstance(value, str) and value in ("0", "1", "2"):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2:
        return value
    raise WireError(f"'pattern' must be 0, 1 or 2, got {value!r:.20}")


def raw_layout(
    dtype: Any, shape: Any, payload: Payload, limits: Limits
) -> tuple[str, tuple[int, ...]]:
    """Check that a raw payload is exactly the array its header claims."""
    if not isinstance(dtype, str) or dtype not in RAW_DTYPES:
        raise WireError(f"dtype {dtype!r:.20} is not an accepted frame dtype")
    if not isinstance(shape, list) or not 1 <= len(shape) <= limits.max_ndim:
        raise WireError(f"shape must be a list of 1 to {limits.max_ndim} sizes")
    if not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        raise WireError("shape sizes must be positive integers")
    # Python integers do not overflow, so a lying shape cannot wrap around to a small size.
    expected = math.prod(shape) * _ITEMSIZE[dtype]
    if expected != len(payload):
        raise WireError(f"header claims {expected} bytes but the payload has {len(payload)}")
    return dtype, tuple(shape)


def check_payload(payload: Payload, compression: Compression | None, limits: Limits) -> None:
    if len(payload) > limits.max_payload_bytes:
        raise WireError(f"payload of {len(payload)} bytes is over the limit")
    if compression is not None and bytes(payload[:2]) != _JPEG_SOI:
        raise WireError("payload marked as JPEG does not start with a JPEG marker")


def _optional_seq(header: dict[str, Any]) -> int | None:
    seq = header.get("fh_seq")
    if seq is None:
        return None
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise WireError("'fh_seq' must be a non-negative integer")
    return seq


def _optional_time(header: dict[str, Any]) -> float | None:
    ts = header.get("fh_ts")
    if ts is None:
        return None
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise WireError("'fh_ts' must be a finite number")
    try:
        seconds = float(ts)  # an integer too large for a float raises OverflowError
    except OverflowError:
        raise WireError("'fh_ts' must be a finite number") from None
    if not math.isfinite(seconds):
        raise WireError("'fh_ts' must be a finite number")
    return seconds


def _optional_text(
    header: dict[str, Any], key: str, limits: Limits, max_chars: int | None = None
) -> str | None:
    text = header.get(key)
    if text is None:
        return None
    longest = limits.max_name_chars if max_chars is None else max_chars
    if not isinstance(text, str) or len(text) > longest:
        raise WireError(f"{key!r} must be a string of at most {longest} characters")
    return text


def _array_fields(
    header: dict[str, Any], payload: Payload, limits: Limits, dtype_key: str, shape_key: str
) -> tuple[Compression | None, str, tuple[int, ...]]:
    """The compression, dtype and shape of an array payload (frame or ndarray reply)."""
    compression = _compression(header.get("compression", False))
    check_payload(payload, compression, limits)
    if compression is not None:
        return compression, "", ()
    dtype, shape = raw_layout(header.get(dtype_key), header.get(shape_key), payload, limits)
    return None, dtype, shape


def _codec(value: Any) -> CodecInfo:
    """framehub's ``fh_codec`` object: the only codec it knows is H.264."""
    if not isinstance(value, dict) or value.get("name") != H264:
        raise WireError(f"'fh_codec' must be an object naming {H264!r}, got {value!r:.40}")
    n = value.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise WireError("'fh_codec' frame number 'n' must be a non-negative integer")
    return CodecInfo(name=H264, key=_flag(value, "key"), n=n)


def _codec_frame(
    header: dict[str, Any], payload: Payload, limits: Limits
) -> tuple[CodecInfo, str, tuple[int, ...]]:
    """The codec of an H.264 frame (its dtype and shape are placeholders for vidgear)."""
    if header.get("compression", False) is not False:
        raise WireError("an H.264 frame cannot also be JPEG-compressed")
    if not payload:
        raise WireError("an H.264 frame has an empty payload")
    check_payload(payload, None, limits)
    return _codec(header["fh_codec"]), H264_DTYPE, ()


def decode_server_message(
    parts: Sequence[Payload], limits: Limits = DEFAULT_LIMITS
) -> ServerMessage:
    """Decode what a server sent: a ``FramePacket`` or an ``EndOfStream``."""
    if len(parts) not in (1, 2):
        raise WireError(f"a server message has 1 or 2 parts, got {len(parts)}")
    header = load_object(parts[0], limits, "header")
    port = _port(header, limits)
    if _flag(header, "terminate_flag"):
        return EndOfStream(port=port)
    if len(parts) != 2:
        raise WireError("a frame message needs a second part with the frame")
    payload = parts[1]
    codec: CodecInfo | None = None
    if "fh_codec" in header:
        compression = None
        codec, dtype, shape = _codec_frame(header, payload, limits)
    else:
        compression, dtype, shape = _array_fields(header, payload, limits, "dtype", "shape")
    return FramePacket(
        payload=payload,
        compression=compression,
        dtype=dtype,
        shape=shape,
        message=header.get("message"),
        pattern=_pattern(header.get("pattern", "0")),
        port=port,
        seq=_optional_seq(header),
        sent_at=_optional_time(header),
        name=_optional_text(header, "fh_name", limits),
        sender=_optional_text(header, "fh_sender", limits),
        codec=codec,
        probe=_flag(header, "fh_probe", False),
        via=_optional_text(header, "fh_via", limits, _MAX_VIA_CHARS),
    )


#: The keys that make a JSON reply a framehub acknowledgement.
_ACK_KEYS = ("fh_window", "fh_hub", "fh_key")


def _advising_ack(body: dict[str, Any]) -> Ack:
    text = body.get("ack", "")
    window = None
    if "fh_window" in body:
        window = body["fh_window"]
        valid = isinstance(window, int) and not isinstance(window, bool)
        if not valid or not 1 <= window <= MAX_WINDOW:
            raise WireError(f"'fh_window' must be an integer 1-{MAX_WINDOW}, got {window!r:.40}")
    if not isinstance(text, str):
        raise WireError(f"'ack' must be a string, got {type(text).__name__}")
    return Ack(
        text=text,
        window=window,
        hub=_flag(body, "fh_hub", False),
        keyframe=_flag(body, "fh_key", False),
    )


def decode_client_message(
    parts: Sequence[Payload], limits: Limits = DEFAULT_LIMITS
) -> ClientMessage:
    """Decode what a client answered: an ``Ack``, a ``DataReply`` or an ``ArrayReply``."""
    if len(parts) == 1:
        part = parts[0]
        if len(part) > limits.max_header_bytes:
            # Checked here: load_object's own size error would read as "not JSON, so an ack".
            raise WireError(f"reply is {len(part)} bytes, over the {limits.max_header_bytes} limit")
        try:
            body = load_object(part, limits, "reply")
        except WireError:
            body = None
        if body is not None and any(key in body for key in _ACK_KEYS):
            return _advising_ack(body)
        if body is None or "return_type" not in body:
            if len(part) > limits.max_ack_chars:
                raise WireError("acknowledgement is too long") from None
            return Ack(text=bytes(part).decode("utf-8", errors="replace"))
        if body["return_type"] == "ndarray":
            raise WireError("an ndarray reply needs a second part with the array")
        return DataReply(data=body.get("data"), port=_port(body, limits))
    if len(parts) != 2:
        raise WireError(f"a client reply has 1 or 2 parts, got {len(parts)}")
    header = load_object(parts[0], limits, "reply header")
    if header.get("return_type") != "ndarray":
        raise WireError("a two-part reply must carry an ndarray")
    payload = parts[1]
    compression, dtype, shape = _array_fields(header, payload, limits, "array_dtype", "array_shape")
    return ArrayReply(
        payload=payload,
        compression=compression,
        dtype=dtype,
        shape=shape,
        port=_port(header, limits),
    )
