"""H.264 decoding at the hub: one ordered lane per server, off the consumer's thread.

An H.264 frame decodes only after every earlier frame of its server, so these
frames cannot go to ``DecodeAhead``'s shared workers, which decode whatever is
next in the delivery queue, in any order, and skip what a policy dropped.
Instead, the moment a frame of a server is accepted (``Reception.offer``), it is
handed to that server's lane: a thread with its own ``H264Decoder`` that decodes
the server's frames one after another, in arrival order. The same ``Pending``
also enters the delivery queue at once, so flow control works as for any other
frame: lossless holds the server back and acknowledges on take, "latest" keeps
the newest. A consumer that takes a frame waits (``DecodeAhead.result``) for its
lane to have decoded it, which it usually has.

So "latest" drops only frames whose packets the decoder has been given: a frame
dropped from the delivery queue is still decoded (the chain needs it), only not
converted to BGR for nobody. The lane is the one extra place a frame waits; it is
bounded (``MAX_BACKLOG``): a hub whose decoding cannot keep up with a server
drops that lane's backlog and waits for a keyframe (see ``session.keyframes``),
rather than let frames age without end.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from queue import SimpleQueue

from ..codecs.h264 import H264Decoder
from ..errors import MissingPackageError, WireError
from ..wire import Limits
from .decoding import Pending

__all__ = ["MAX_BACKLOG", "DecodeLanes"]

log = logging.getLogger(__name__)

#: Frames a server's lane may hold undecoded: a second at 30 fps. A lane this far
#: behind has frames a second old: better to start again from a keyframe.
MAX_BACKLOG = 30


class _Lane:
    """One server's decoder and the thread that feeds it, in order."""

    def __init__(self, source: str, limits: Limits, broken: Callable[[str], None]) -> None:
        self.source = source
        self._decoder = H264Decoder(limits)
        self._broken = broken
        self._jobs: SimpleQueue[Pending | None] = SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(
            target=self._work, name=f"framehub-h264_{source}", daemon=True
        )
        self._thread.start()

    @property
    def backlog(self) -> int:
        return self._jobs.qsize()

    def submit(self, pending: Pending) -> None:
        busy = threading.Lock()
        busy.acquire()
        pending.busy = busy
        pending.ordered = True
        self._jobs.put(pending)

    def _work(self) -> None:
        while (pending := self._jobs.get()) is not None:
            try:
                if not self._closed:
                    payload = bytes(pending.packet.payload)
                    pending.image = self._decoder.decode(payload, convert=not pending.cancelled)
            except Exception as exc:  # the lane must outlive any frame: report, reset, go on
                pending.error = exc if isinstance(exc, WireError) else WireError(str(exc))
                self._decoder.reset()
                self._broken(self.source)
                log.debug("H.264 frame of %s did not decode: %s", self.source, exc)
            finally:
                if pending.busy is not None:
                    pending.busy.release()
                if pending.notify is not None:
                    pending.notify()

    def close(self) -> None:
        self._closed = True
        self._jobs.put(None)


class DecodeLanes:
    """The hub's H.264 lanes, one per server, made on its first H.264 frame.

    ``submit`` runs under the hub's lock; ``broken(source)`` is called on a lane's
    thread (without that lock) when a frame did not decode, so that the hub awaits
    a keyframe for that server.
    """

    def __init__(self, limits: Limits, broken: Callable[[str], None]) -> None:
        self._limits = limits
        self._broken = broken
        self._lanes: dict[str, _Lane] = {}
        self._missing = False
        self._closed = False

    def ready(self, source: str) -> bool:
        """Whether ``source``'s lane can take a frame. Not when it is too far behind
        (the hub then starts that server's chain again from a keyframe), nor without
        PyAV (said once; the server's frames are then discarded and counted)."""
        if self._closed or self._missing:
            return False
        lane = self._lanes.get(source)
        if lane is None:
            try:
                lane = self._lanes[source] = _Lane(source, self._limits, self._broken)
            except MissingPackageError as exc:
                self._missing = True
                log.error("H.264 frames are discarded: %s", exc)
                return False
        return lane.backlog < MAX_BACKLOG

    def submit(self, source: str, pending: Pending) -> None:
        """Hand ``pending`` to its server's lane (made by ``ready``), behind that
        server's earlier frames."""
        lane = self._lanes.get(source)
        if lane is not None and not self._closed:
            lane.submit(pending)

    def close(self) -> None:
        """Stop every lane once it has finished what it holds; does not wait."""
        self._closed = True
        for lane in self._lanes.values():
            lane.close()
