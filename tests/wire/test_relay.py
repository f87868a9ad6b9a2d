"""The relay's topics and messages (wire.relay): exact camera subscriptions, any
bytes give a message or WireError, and what a hub relays reads back as sent."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framehub.errors import WireError
from framehub.wire import (
    DEFAULT_LIMITS,
    ConnectionNote,
    EndOfStream,
    FramePacket,
    NoteKind,
    camera_subscription,
    decode_relayed,
    encode_note,
    encode_server_message,
    relay_topics,
)


def test_a_cameras_subscription_matches_its_topics_only() -> None:
    by_id = camera_subscription("5566")[0]
    assert relay_topics("5566", None, 3)[0].startswith(by_id)
    # ZeroMQ filters by prefix: "5566" must not take "55661"'s frames.
    assert not any(t.startswith(by_id) for t in relay_topics("55661", "55661", 3))
    door_name = camera_subscription("door")[1]
    assert relay_topics("5566", "door", 3)[1].startswith(door_name)
    assert not any(t.startswith(door_name) for t in relay_topics("5567", "doorbell", 3))
    assert not any(
        t.startswith(camera_subscription("doo")[1]) for t in relay_topics("1", "door", 0)
    )


def test_a_relayed_frame_reads_back_with_the_hubs_number() -> None:
    packet = FramePacket(
        b"\x01" * 6, dtype="uint8", shape=(2, 3), seq=40, sender="abc", name="door"
    )
    for topic in relay_topics("5566", "door", 9):
        relayed = decode_relayed([topic, *encode_server_message(packet)], DEFAULT_LIMITS)
        assert relayed.source == "5566" and relayed.number == 9
        assert isinstance(relayed.message, FramePacket)
        assert relayed.message.seq == 9 and relayed.message.sender is None
        assert relayed.message.name == "door" and bytes(relayed.message.payload) == b"\x01" * 6


def test_an_imagezmq_senders_frame_is_relayed_once_with_where_it_came_in() -> None:
    # Its id is its name: one topic, which either subscription of the name takes.
    (topic,) = relay_topics("pi1|front", "pi1|front", 0)
    assert all(
        topic.startswith(key) is (key[:1] == b"s") for key in camera_subscription("pi1|front")
    )
    packet = FramePacket(b"\x01" * 6, dtype="uint8", shape=(2, 3), name="pi1|front", via="5555")
    relayed = decode_relayed([topic, *encode_server_message(packet)], DEFAULT_LIMITS)
    assert isinstance(relayed.message, FramePacket)
    assert relayed.source == relayed.message.name == "pi1|front"
    assert relayed.message.via == "5555"


def test_goodbyes_and_notes_read_back() -> None:
    (topic,) = relay_topics("5566", None, None)
    goodbye = decode_relayed(
        [topic, *encode_server_message(EndOfStream(port=5566))], DEFAULT_LIMITS
    )
    assert goodbye.message == EndOfStream(port=5566)
    note = ConnectionNote(NoteKind.CLOSED, 12)
    assert decode_relayed([topic, encode_note(note)], DEFAULT_LIMITS).message == note


@pytest.mark.parametrize(
    "parts",
    [
        [b"s:5566"],
        [b"s:5566", b"{}"],
        [b"x:5566\x00", b'{"terminate_flag": true}'],
        [b"s:\x00", b'{"terminate_flag": true}'],
        [b"s:5566\x00", b'{"fh_relay": "moved", "connection": 1}'],
        [b"s:5566\x00", b'{"fh_relay": "closed", "connection": true}'],
        [b"s:5566\x00", b'{"terminate_flag": false, "compression": false}', b"x"],
        [b"s:\xff\x00", b'{"terminate_flag": true}'],
    ],
)
def test_malformed_relayed_messages_are_wire_errors(parts: list[bytes]) -> None:
    with pytest.raises(WireError):
        decode_relayed(parts, DEFAULT_LIMITS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), min_size=0, max_size=4))
def test_any_bytes_give_a_message_or_wire_error(parts: list[bytes]) -> None:
    with contextlib.suppress(WireError):
        decode_relayed(parts, DEFAULT_LIMITS)
