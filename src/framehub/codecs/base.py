"""The codec interface and the single place frames are decoded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import simplejpeg

from ..errors import ConfigError, WireError
from ..wire import (
    DEFAULT_LIMITS,
    ArrayReply,
    CodecInfo,
    Compression,
    FramePacket,
    Limits,
    Payload,
)

# Bytes per decoded pixel for each JPEG output colourspace (the rest have four).
_DECODED_CHANNELS = {"GRAY": 1, "RGB": 3, "BGR": 3}


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """A frame ready for the wire: payload plus the header fields that describe it."""

    payload: Payload
    compression: Compression | None
    dtype: str = ""
    shape: tuple[int, ...] = ()
    #: How the frame fits in its stream, for an inter-frame codec (H.264).
    codec: CodecInfo | None = None


class FrameEncoder(Protocol):
    """Turns a frame into an ``EncodedFrame``. Raw and JPEG are stateless and thread-safe;
    H.264 is neither (one encoder per sender)."""

    @property
    def compression(self) -> Compression | None: ...

    def check(self, frame: np.ndarray[Any, Any]) -> None:
        """Raise ``ConfigError`` if this encoder cannot take ``frame`` (cheap; no encoding)."""

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        """Check and encode ``frame``."""


def check_frame(frame: object) -> None:
    """Encoders take numpy arrays only; say so rather than fail on a missing attribute."""
    if not isinstance(frame, np.ndarray):
        raise ConfigError(f"frame must be a numpy.ndarray, got {type(frame).__name__}")


def decode_frame(
    packet: FramePacket | ArrayReply,
    *,
    fastdct: bool = False,
    fastupsample: bool = False,
    min_width: int = 0,
    min_height: int = 0,
    limits: Limits = DEFAULT_LIMITS,
) -> np.ndarray[Any, Any]:
    """Turn a received packet into an array.

    Raw payloads become a zero-copy view of the received buffer. JPEG payloads are
    decoded with the sender's colourspace; ``fastdct``/``fastupsample`` are OR-ed with
    the sender's flags, as vidgear does. ``min_width``/``min_height`` let libjpeg-turbo
    decode at a reduced scale (for thumbnails) while staying at least that large.
    A corrupt JPEG, or one whose decoded image would exceed ``limits.max_payload_bytes``,
    raises ``WireError``.
    """
    if isinstance(packet, FramePacket) and packet.codec is not None:
        # Decodable only in order with its server's earlier frames (``H264Decoder``).
        raise WireError("an H.264 frame cannot be decoded on its own")
    compression = packet.compression
    if compression is None:
        return np.frombuffer(packet.payload, dtype=np.dtype(packet.dtype)).reshape(packet.shape)
    try:
        # A few hundred bytes can claim 65500x65500 pixels: libjpeg-turbo would then
        # allocate 12 GB and spend seconds filling it (a claimed 30000x30000 took 11 s).
        height, width, _, _ = simplejpeg.decode_jpeg_header(
            packet.payload, min_height=min_height, min_width=min_width
        )
        size = height * width * _DECODED_CHANNELS.get(compression.colorspace, 4)
        if size > limits.max_payload_bytes:
            raise WireError(f"JPEG of {width}x{height} pixels is over the size limit")
        frame: np.ndarray[Any, Any] = simplejpeg.decode_jpeg(
            packet.payload,
            colorspace=compression.colorspace,
            fastdct=fastdct or compression.fastdct,
            fastupsample=fastupsample or compression.fastupsample,
            min_width=min_width,
            min_height=min_height,
        )
    except (ValueError, KeyError) as exc:
        # simplejpeg raises KeyError for a header whose subsampling or colourspace
        # code it has no name for (a corrupt byte in the SOF marker).
        raise WireError(f"corrupt JPEG payload: {exc}") from None
    if compression.colorspace == "GRAY" and frame.ndim == 3:
        frame = frame[:, :, 0]
    return frame
