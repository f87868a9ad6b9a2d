"""How many frames in flight a hub asks its framehub senders to keep.

Frames in flight let a sender go on while acknowledgements travel: that is what
makes a few servers fast, and a link with a long round trip usable. But each one is
memory the kernel writes and the hub reads back, and when many servers send raw
frames flat out over a fast link, four each spill out of the processor's cache and
every copy slows (measured on loopback, raw 640x480 from 8 servers: 2,000-2,200
frames/s with four in flight each, 2,600-2,970 with one). So a hub taking in more
bytes than any camera network carries shares one budget of frames in flight among
the servers streaming to it. Cameras at their own frame rate never fill a window of
one on such a link, and below that rate nothing is limited.

Frames in flight also do nothing for a hub whose consumer is behind: the frames
waiting in its queue already keep the consumer busy, and each one more in flight
only waits longer, the camera's picture growing older on the way (measured on
loopback, 8 servers of 1280x720 JPEG flat out into 2 cores: 305 ms from send to
``recv()`` with four in flight each, 50 ms with one, for 1-2% fewer frames a
second). So while most frames arrive to find an earlier frame of their server
still waiting for the consumer, the hub asks for one frame in flight each, and
holds fewer frames per server itself: a queue that stays full is only delay (a
hub that had filled its queues before asking kept them full, 231 ms; holding two
a server, 88 ms, at the same frames a second). When the consumer is behind, and
what the hub does then, ``session.flow`` decides; this module holds the thresholds.
"""

from __future__ import annotations

__all__ = [
    "BEHIND_QUEUE",
    "BEHIND_SHARE",
    "FAST_BYTES_PER_SECOND",
    "WINDOW_BUDGET",
    "consumer_behind",
    "window_advice",
]

#: Frames in flight shared among the streaming servers of a fast hub.
WINDOW_BUDGET = 8
#: Bytes a second into one hub above which it shares them out: twice what a gigabit
#: link carries, so only loopback or faster networks, where round trips are short.
FAST_BYTES_PER_SECOND = 250_000_000
#: Share of the frames offered to the hub's queue that found an earlier frame of
#: their server still there (its queue full, too), from which the consumer is behind.
BEHIND_SHARE = 0.5
#: Frames per server a hub whose consumer is behind holds (lossless; at most its
#: ``queue_size``).
BEHIND_QUEUE = 2


def consumer_behind(share: float, *, was_behind: bool) -> bool:
    """Whether the consumer is behind, from the ``share`` of the frames offered
    that found an earlier frame of their server still queued. A consumer found
    behind stays so until the share falls to half the threshold: no flapping."""
    return share >= (BEHIND_SHARE / 2 if was_behind else BEHIND_SHARE)


def window_advice(
    streaming: int,
    bytes_per_second: float,
    *,
    behind: bool = False,
    advising: bool,
    budget: int = WINDOW_BUDGET,
) -> int | None:
    """The window to ask each sender for, or None for no limit.

    ``behind``: whether the consumer is behind (``consumer_behind``). ``advising``:
    whether the hub asks for a window now; it then goes on until the rate falls to
    half the threshold, so that a rate near it does not flap.
    """
    if streaming < 1:
        return None
    if behind:
        return 1
    threshold = FAST_BYTES_PER_SECOND / 2 if advising else FAST_BYTES_PER_SECOND
    if bytes_per_second < threshold:
        return None
    return max(1, budget // streaming)
