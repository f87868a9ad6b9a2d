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
"""

from __future__ import annotations

__all__ = ["FAST_BYTES_PER_SECOND", "WINDOW_BUDGET", "window_advice"]

#: Frames in flight shared among the streaming servers of a fast hub.
WINDOW_BUDGET = 8
#: Bytes a second into one hub above which it shares them out: twice what a gigabit
#: link carries, so only loopback or faster networks, where round trips are short.
FAST_BYTES_PER_SECOND = 250_000_000


def window_advice(
    streaming: int, bytes_per_second: float, *, advising: bool, budget: int = WINDOW_BUDGET
) -> int | None:
    """The window to ask each sender for, or None for no limit.

    ``advising``: whether the hub asks for one now; it then goes on until the rate
    falls to half the threshold, so that a rate near it does not flap.
    """
    threshold = FAST_BYTES_PER_SECOND / 2 if advising else FAST_BYTES_PER_SECOND
    if streaming < 1 or bytes_per_second < threshold:
        return None
    return max(1, budget // streaming)
