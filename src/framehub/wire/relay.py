"""What a hub republishes on its XPUB socket, and how a subscriber reads it back.

Every relayed message is the server's own message (its header as the wire has it,
and its payload, untouched) behind one topic part::

    [topic, header]            a goodbye
    [topic, header, payload]   a frame
    [topic, note]              a change of the server's connection (framehub's own)

ZeroMQ filters subscriptions by prefix, so a topic names a camera in a way no other
camera's topic starts with: the key ends with a NUL byte (``s:5566\\0`` is not a
prefix of ``s:55661\\0``). Two keys lead to the same server:

- ``s:<source>\\0``: the hub's id of the server (the port it streams to);
- ``n:<name>\\0<source>\\0``: the name the server gave (framehub senders), sent only
  for servers that have one other than their id (an imagezmq sender's id is its
  name: one topic, or a subscriber taking it by name would get each frame twice).

After the key the topic ends with the hub's number of the frame (decimal, counting
every frame the hub received from that server); a subscriber counts the gaps as
frames it lost. Notes and goodbyes have no number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import Enum

from ..errors import WireError
from .decode import decode_server_message
from .limits import Limits
from .messages import FramePacket, Payload, ServerMessage

__all__ = [
    "EVERY_CAMERA",
    "SUBSCRIBER_MARK",
    "ConnectionNote",
    "NoteKind",
    "Relayed",
    "camera_subscription",
    "decode_relayed",
    "encode_note",
    "relay_topics",
]

_SOURCE = b"s:"
_NAME = b"n:"
_END = b"\0"
#: The subscription that takes every camera of a hub.
EVERY_CAMERA = _SOURCE
#: A subscription nothing is published under: framehub subscribers add it so that a
#: hub can count them (each subscription reaches the hub once per subscriber).
SUBSCRIBER_MARK = b"\x01framehub-subscriber"
#: The longest topic part read (the key, a name and a number fit well within it).
MAX_TOPIC_BYTES = 512


class NoteKind(Enum):
    OPENED = "opened"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConnectionNote:
    """A connection to the server's port opened or closed at the hub.

    ``connection`` is the hub's id for it; a subscriber applies the hub's own
    liveness rule to these (a server whose connections all closed is gone soon).
    """

    kind: NoteKind
    connection: int


@dataclass(frozen=True, slots=True)
class Relayed:
    """One relayed message: which server, the hub's number of it (frames), and what."""

    source: str
    number: int | None
    message: ServerMessage | ConnectionNote


def _key(prefix: bytes, text: str) -> bytes:
    return prefix + text.encode() + _END


def camera_subscription(camera: str) -> tuple[bytes, bytes]:
    """The two subscriptions that take ``camera``, named by its source id or its name."""
    return _key(_SOURCE, camera), _key(_NAME, camera)


def relay_topics(source: str, name: str | None, number: int | None) -> list[bytes]:
    """The topics one message of ``source`` is published under (one, or two with a name)."""
    tail = b"" if number is None else b"%d" % number
    topics = [_key(_SOURCE, source) + tail]
    if name and name != source and "\0" not in name:
        topics.append(_key(_NAME, name) + _key(b"", source) + tail)
    return topics


def encode_note(note: ConnectionNote) -> bytes:
    return json.dumps({"fh_relay": note.kind.value, "connection": note.connection}).encode()


def _parse_topic(topic: Payload) -> tuple[str, int | None]:
    raw = bytes(topic)
    if len(raw) > MAX_TOPIC_BYTES:
        raise WireError("relay topic is too long")
    fields = raw.split(_END)
    if raw.startswith(_SOURCE) and len(fields) == 2:
        source, number = fields[0][len(_SOURCE) :], fields[1]
    elif raw.startswith(_NAME) and len(fields) == 3:
        source, number = fields[1], fields[2]
    else:
        raise WireError("not a relay topic")
    if not source:
        raise WireError("relay topic without a source")
    if number and not number.isdigit():
        raise WireError("relay topic's frame number is not a number")
    try:
        text = source.decode()
    except UnicodeDecodeError:
        raise WireError("relay topic's source is not UTF-8") from None
    return text, int(number) if number else None


def _note(part: Payload) -> ConnectionNote | None:
    """The connection note in ``part``, or None if it is a server's header."""
    if b"fh_relay" not in bytes(part[:16]):
        return None
    try:
        body = json.loads(bytes(part))
        kind = NoteKind(body["fh_relay"])
        connection = body["connection"]
    except (ValueError, KeyError, TypeError):
        raise WireError("malformed relay note") from None
    if isinstance(connection, bool) or not isinstance(connection, int):
        raise WireError("relay note's connection is not an integer")
    return ConnectionNote(kind, connection)


def decode_relayed(parts: list[Payload], limits: Limits) -> Relayed:
    """Read one relayed message; anything else raises ``WireError``.

    A frame comes back with the hub's number as its ``seq`` (the sender's own
    numbering stops at the hub: gaps after it are the subscriber's losses) and
    without a sender id.
    """
    if len(parts) not in (2, 3):
        raise WireError(f"a relayed message has 2 or 3 parts, got {len(parts)}")
    source, number = _parse_topic(parts[0])
    note = _note(parts[1]) if len(parts) == 2 else None
    if note is not None:
        return Relayed(source, None, note)
    message = decode_server_message(parts[1:], limits)
    if isinstance(message, FramePacket):
        if number is None:
            raise WireError("a relayed frame has no number")
        message = replace(message, seq=number, sender=None)
    return Relayed(source, number, message)
