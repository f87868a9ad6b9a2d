"""The hub's keyframe logic on its own: what it discards, counts and asks for."""

from __future__ import annotations

from framehub.session import ASK_AGAIN, KeyframeGate
from framehub.wire import CodecInfo


def frames(
    gate: KeyframeGate, numbers: list[int], *, keys: set[int], sender: str = "a"
) -> list[bool]:
    return [gate.offer("5566", sender, CodecInfo(key=n in keys, n=n)) for n in numbers]


def test_a_server_joining_mid_gop_is_discarded_until_its_keyframe_and_counted() -> None:
    gate = KeyframeGate()
    assert frames(gate, [7, 8, 9, 10, 11], keys={10}) == [False, False, False, True, True]
    assert gate.discarded("5566") == 3
    assert not gate.awaiting("5566")


def test_a_lost_frame_breaks_the_chain_and_a_keyframe_is_asked_for_once_then_again() -> None:
    gate = KeyframeGate()
    assert frames(gate, [0, 1, 2], keys={0}) == [True, True, True]
    assert not gate.wants_keyframe("5566", 0.0)
    assert frames(gate, [4, 5], keys=set()) == [False, False]  # 3 was lost
    assert gate.awaiting("5566")
    assert gate.wants_keyframe("5566", 1.0)
    assert not gate.wants_keyframe("5566", 1.0 + ASK_AGAIN / 2)  # frames in flight drain
    assert gate.wants_keyframe("5566", 1.0 + ASK_AGAIN)  # none came: ask again
    assert frames(gate, [6], keys={6}) == [True]
    assert not gate.wants_keyframe("5566", 9.0)


def test_a_frame_offered_again_gets_the_same_answer() -> None:
    """A lossless hub holds a frame and offers it again: no gap, no second count."""
    gate = KeyframeGate()
    assert frames(gate, [0, 1, 1, 2], keys={0}) == [True, True, True, True]
    assert frames(gate, [5, 5], keys=set()) == [False, False]
    assert gate.discarded("5566") == 1


def test_another_sender_or_a_decoder_failure_needs_a_keyframe() -> None:
    gate = KeyframeGate()
    assert frames(gate, [0, 1], keys={0}) == [True, True]
    assert frames(gate, [2], keys=set(), sender="b") == [False]
    assert frames(gate, [3], keys={3}, sender="b") == [True]
    gate.broken("5566")
    assert frames(gate, [4], keys=set(), sender="b") == [False]
    assert gate.wants_keyframe("5566", 0.0)


def test_a_frame_the_hub_cannot_decode_is_discarded_even_a_keyframe() -> None:
    gate = KeyframeGate()
    assert frames(gate, [0, 1], keys={0}) == [True, True]
    gate.refuse("5566", "a", CodecInfo(key=True, n=2))
    gate.refuse("5566", "a", CodecInfo(key=True, n=2))  # the same frame, held and offered again
    assert gate.awaiting("5566") and gate.discarded("5566") == 1
    assert frames(gate, [3, 4], keys={4}) == [False, True]
