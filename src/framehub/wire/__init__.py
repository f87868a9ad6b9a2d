"""The NetGear wire format (and imagezmq's) as pure code: bytes in, typed messages out, and back.

Imports only the standard library and numpy; no sockets, no threads.
"""

from .decode import decode_client_message, decode_server_message
from .encode import FrameHeader, dump_json, encode_client_message, encode_server_message
from .imagezmq import IMAGEZMQ_REPLY, decode_imagezmq_message, encode_imagezmq_message
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
    JSONValue,
    Payload,
    ServerMessage,
)
from .relay import (
    EVERY_CAMERA,
    SUBSCRIBER_MARK,
    ConnectionNote,
    NoteKind,
    Relayed,
    camera_subscription,
    decode_relayed,
    encode_note,
    relay_topics,
)

__all__ = [
    "DEFAULT_LIMITS",
    "EVERY_CAMERA",
    "H264",
    "H264_DTYPE",
    "IMAGEZMQ_REPLY",
    "JPEG_COLORSPACES",
    "MAX_WINDOW",
    "RAW_DTYPES",
    "SUBSCRIBER_MARK",
    "Ack",
    "ArrayReply",
    "ClientMessage",
    "CodecInfo",
    "Compression",
    "ConnectionNote",
    "DataReply",
    "EndOfStream",
    "FrameHeader",
    "FramePacket",
    "JSONValue",
    "Limits",
    "NoteKind",
    "Payload",
    "Relayed",
    "ServerMessage",
    "camera_subscription",
    "decode_client_message",
    "decode_imagezmq_message",
    "decode_relayed",
    "decode_server_message",
    "dump_json",
    "encode_client_message",
    "encode_imagezmq_message",
    "encode_note",
    "encode_server_message",
    "relay_topics",
]
