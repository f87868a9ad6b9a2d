"""Which H.264 frames a hub's decoder can take, and when to ask for a keyframe.

Pure logic, fed each server's frames and the clock by the hub. An H.264 frame
other than a keyframe decodes only after every frame of its sender since the last
keyframe, so a server's chain is broken, and its frames are discarded (and
counted) until the next keyframe, when:

- the hub has not seen a keyframe of it yet (a new server, or a hub that
  restarted mid-stream: its first frame is seldom a keyframe);
- a frame was lost on the way: the encoder's frame number (``CodecInfo.n``) skips
  one (the sender's own sequence number does not tell, as it also counts frames
  dropped before encoding, which break nothing);
- another sender took the port over;
- the decoder failed on a frame (``broken``), or the hub could not keep up.

Meanwhile the hub asks the sender for a keyframe in its acknowledgement (patterns
0 and 1): at once, and again every ``ASK_AGAIN`` seconds while none has come (the
request or the keyframe may have been lost with a reconnection). In pattern 2 the
sender's periodic keyframes (its GOP) end the wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wire import CodecInfo

__all__ = ["ASK_AGAIN", "KeyframeGate"]

#: Ask again for a keyframe when none came this long after asking: a sender's
#: frames in flight take a few frame periods (33 ms each at 30 fps) to drain,
#: and a keyframe within a GOP (1 s at the default 30 frames) is the goal.
ASK_AGAIN = 0.25


@dataclass(slots=True)
class _Chain:
    sender: str | None = None
    next_n: int | None = None
    #: The verdict on the last frame (``next_n - 1``), for a frame offered again.
    last: bool = False
    awaiting: bool = True
    asked_at: float | None = None
    discarded: int = 0


class KeyframeGate:
    """Per server: whether its next H.264 frame can be decoded (``offer``)."""

    def __init__(self) -> None:
        self._chains: dict[str, _Chain] = {}

    def offer(self, source: str, sender: str | None, codec: CodecInfo) -> bool:
        """Whether to decode this frame; False: discard it (counted) until a keyframe.

        The frame offered last may be offered again (a lossless hub that held it): it
        gets the same answer.
        """
        chain = self._chains.setdefault(source, _Chain())
        if self._again(chain, sender, codec):
            return chain.last
        chain.last = self._verdict(chain, sender, codec)
        return chain.last

    def refuse(self, source: str, sender: str | None, codec: CodecInfo) -> None:
        """The hub cannot decode this frame, keyframe or not (its decoder is too far
        behind, or missing): discard it, counted, and await the next keyframe."""
        chain = self._chains.setdefault(source, _Chain())
        if self._again(chain, sender, codec):
            return
        chain.sender = sender
        chain.next_n = codec.n + 1
        chain.last = False
        chain.awaiting = True
        chain.discarded += 1

    @staticmethod
    def _again(chain: _Chain, sender: str | None, codec: CodecInfo) -> bool:
        """Whether this is the frame offered last, offered again."""
        return chain.sender == sender and chain.next_n is not None and codec.n + 1 == chain.next_n

    @staticmethod
    def _verdict(chain: _Chain, sender: str | None, codec: CodecInfo) -> bool:
        if chain.sender != sender or (chain.next_n is not None and codec.n != chain.next_n):
            chain.awaiting = True
        chain.sender = sender
        chain.next_n = codec.n + 1
        if codec.key:
            chain.awaiting = False
            chain.asked_at = None
            return True
        if chain.awaiting:
            chain.discarded += 1
            return False
        return True

    def broken(self, source: str) -> None:
        """The decoder failed on a frame of ``source``, or fell too far behind."""
        chain = self._chains.setdefault(source, _Chain())
        chain.awaiting = True
        chain.asked_at = None

    def wants_keyframe(self, source: str, now: float) -> bool:
        """Whether the acknowledgement sent to ``source`` now asks for a keyframe."""
        chain = self._chains.get(source)
        if chain is None or not chain.awaiting:
            return False
        if chain.asked_at is not None and now - chain.asked_at < ASK_AGAIN:
            return False
        chain.asked_at = now
        return True

    def awaiting(self, source: str) -> bool:
        """Whether frames of ``source`` are discarded until its next keyframe."""
        chain = self._chains.get(source)
        return chain is not None and chain.awaiting

    def discarded(self, source: str) -> int:
        """Frames of ``source`` discarded while awaiting a keyframe, so far."""
        chain = self._chains.get(source)
        return 0 if chain is None else chain.discarded

    def __contains__(self, source: object) -> bool:
        return source in self._chains
