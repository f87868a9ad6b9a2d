"""Typed messages of the NetGear wire protocol (vidgear 0.3.x compatible).

These are plain frozen values: no sockets, no threads, no codecs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

#: Anything ``json`` can carry: what a server may attach to a frame as ``message``
#: and what a client may send back as bidirectional return data. (A tuple is sent
#: as a list, as ``json`` does.)
JSONValue: TypeAlias = (
    "str | int | float | bool | list[JSONValue] | tuple[JSONValue, ...] "
    "| dict[str, JSONValue] | None"
)

# A bytes-like payload. On receive it is a zero-copy view of the ZeroMQ frame.
Payload: TypeAlias = bytes | bytearray | memoryview

#: The most frames a framehub sender keeps awaiting acknowledgement at once.
MAX_WINDOW = 64

#: JPEG colourspaces vidgear accepts for ``jpeg_compression`` (simplejpeg's names).
JPEG_COLORSPACES: frozenset[str] = frozenset(
    {"RGB", "BGR", "RGBX", "BGRX", "XBGR", "XRGB", "GRAY", "RGBA", "BGRA", "ABGR", "ARGB", "CMYK"}
)

#: Raw frame dtypes accepted from the network. Anything else is a WireError.
RAW_DTYPES: frozenset[str] = frozenset(
    {
        "uint8",
        "int8",
        "uint16",
        "int16",
        "uint32",
        "int32",
        "uint64",
        "int64",
        "float16",
        "float32",
        "float64",
        "bool",
    }
)


@dataclass(frozen=True, slots=True)
class Compression:
    """How a frame payload was JPEG-compressed (vidgear's ``compression`` object)."""

    colorspace: str = "BGR"
    fastdct: bool = True
    fastupsample: bool = False


#: The only codec framehub sends besides raw and JPEG (header key ``fh_codec``).
H264 = "h264"

#: The ``dtype`` a framehub H.264 frame declares. vidgear reads a frame whose
#: ``compression`` is false with ``numpy.frombuffer(payload, dtype=...)``, which
#: refuses this name with "data type 'h264 (...)' not understood": a vidgear client
#: given one stops with that error rather than showing garbage.
H264_DTYPE = "h264 (a framehub codec: receive with a framehub hub)"


@dataclass(frozen=True, slots=True)
class CodecInfo:
    """How a frame of an inter-frame codec fits in its stream (header key ``fh_codec``).

    ``key``: the frame decodes on its own (a keyframe); any other needs every frame
    since the last keyframe. ``n`` numbers the frames the sender's encoder made, one
    after another, so a receiver tells a frame lost on the way (the decoder's chain is
    broken) from one the sender skipped before encoding it (it is not).
    """

    name: str = H264
    key: bool = False
    n: int = 0


@dataclass(frozen=True, slots=True)
class FramePacket:
    """One frame as it travels: header fields plus the still-encoded payload.

    ``dtype`` and ``shape`` describe a raw payload and are empty for JPEG, as in
    vidgear. ``seq``, ``sent_at``, ``name`` and ``sender`` are framehub extensions
    (absent from vidgear peers): ``name`` is the label its user gave the server, and
    ``sender`` tells one framehub sender from another (two that stream to one port by
    mistake interleave their ``seq``). ``port`` is the server's own claim, present in
    Multi-Servers Mode.

    Frames of imagezmq senders (``wire.imagezmq``) carry their sender's ``msg`` as
    ``name``, which is their identity, and ``via``: the hub port (REQ/REP) or the
    sender address (PUB/SUB) they came through, which other senders may share. A
    NetGear frame's ``via`` is None: its port is its own. A publishing hub relays
    imagezmq frames as NetGear frames with ``via`` in the header (``fh_via``), so that
    subscribers know the camera's liveness by its silence, as the hub does.

    ``codec`` (framehub's ``fh_codec``) marks an H.264 frame: its ``dtype`` is
    ``H264_DTYPE`` and its ``shape`` empty. ``probe`` (``fh_probe``) asks a framehub
    hub to say so in its acknowledgement (``Ack.hub``): a sender asks before it
    sends a codec that vidgear cannot read.
    """

    payload: Payload = field(repr=False)
    compression: Compression | None = None
    dtype: str = ""
    shape: tuple[int, ...] = ()
    message: JSONValue = None
    pattern: int = 0
    port: str | int | None = None
    seq: int | None = None
    sent_at: float | None = None
    name: str | None = None
    sender: str | None = None
    via: str | None = None
    codec: CodecInfo | None = None
    probe: bool = False

    @property
    def wants_hub_ack(self) -> bool:
        """Whether the sender asked a framehub hub to say so in its acknowledgement."""
        return self.probe or self.codec is not None

    def raw_array(self) -> np.ndarray[Any, Any]:
        """The raw payload as a read-only array view (no copy). Only for raw packets."""
        return np.frombuffer(self.payload, dtype=np.dtype(self.dtype)).reshape(self.shape)


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """A server's goodbye: ``{"terminate_flag": true}`` (plus ``port`` in Multi-Servers Mode)."""

    port: str | int | None = None


ServerMessage: TypeAlias = FramePacket | EndOfStream


@dataclass(frozen=True, slots=True)
class Ack:
    """The client's acknowledgement (patterns 0 and 1, no return data).

    vidgear's is a plain string, and so is framehub's to any sender by default. A
    framehub hub moving frames fast may send its framehub senders a JSON object
    instead, whose ``window`` asks for at most that many frames in flight (see
    ``session.flow``); a plain string lifts any such limit. ``hub`` says the
    acknowledgement comes from a framehub hub (sent to senders that asked, see
    ``FramePacket.probe``), and ``keyframe`` asks an H.264 sender for a keyframe
    next (the hub's decoder needs one to start or to resume).
    """

    text: str = ""
    window: int | None = None
    hub: bool = False
    keyframe: bool = False

    @property
    def plain(self) -> bool:
        """Whether this is vidgear's plain string, with nothing of framehub's own."""
        return self.window is None and not self.hub and not self.keyframe


@dataclass(frozen=True, slots=True)
class DataReply:
    """The client's bidirectional return data (any JSON value)."""

    data: JSONValue = None
    port: str | int | None = None


@dataclass(frozen=True, slots=True)
class ArrayReply:
    """The client's bidirectional return data when it is an ndarray."""

    payload: Payload = field(repr=False)
    compression: Compression | None = None
    dtype: str = ""
    shape: tuple[int, ...] = ()
    port: str | int | None = None


ClientMessage: TypeAlias = Ack | DataReply | ArrayReply
