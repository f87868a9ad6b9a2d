"""The hub loop that ``demo`` and ``view`` share: frames to sinks, status on a schedule."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ..api import Frame, ServerState, ServerStatus
from ..api.receiving import Receiving
from ..errors import PeerTimeout, TransportError
from .common import CommandError

__all__ = ["HubRunner", "Sink"]

log = logging.getLogger(__name__)

#: Longest wait inside the loop: how quickly a stop request is noticed.
_SLICE = 0.25
#: Seconds between checks of ``run(until=...)``.
_CHECK = 0.1
_OVER = (ServerState.ENDED, ServerState.GONE)


class Sink(Protocol):
    """Something fed by the runner: the web store, the recorder, a window, the table."""

    #: Seconds between ``status()`` calls.
    interval: float

    def frame(self, frame: Frame) -> None:
        """Every frame, on the runner's thread: must not block (the hub waits for it)."""

    def status(self, statuses: tuple[ServerStatus, ...]) -> None:
        """The hub's ``status()`` every ``interval`` seconds."""

    def close(self) -> None: ...


class HubRunner:
    """Takes every frame from ``hub`` on the calling thread and hands it to ``sinks``.

    The hub and the sinks belong to the caller, who closes them.
    """

    def __init__(self, hub: Receiving, sinks: Sequence[Sink]) -> None:
        self.hub = hub
        self.sinks = tuple(sinks)

    def run(
        self,
        stop: threading.Event,
        *,
        seconds: float | None = None,
        until: Callable[[tuple[ServerStatus, ...]], bool] | None = None,
    ) -> bool:
        """Until ``stop`` is set, ``seconds`` have passed, the hub's stream ends (a hub
        with ``Lifetime.STREAM`` whose servers have all ended), or ``until(hub.status())``
        holds (checked ten times a second); returns whether ``until`` held."""
        start = time.monotonic()
        deadline = None if seconds is None else start + seconds
        due = [start + sink.interval for sink in self.sinks]
        check = start
        while not stop.is_set():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            if until is not None and now >= check:
                if until(self.hub.status()):
                    return True
                check = now + _CHECK
            self._tick(due, now)
            wait = min([now + _SLICE, *due, deadline or now + _SLICE]) - now
            try:
                frame = self.hub.recv(timeout=max(0.0, wait))
            except PeerTimeout:
                continue
            except TransportError as exc:
                raise CommandError(f"the hub failed: {exc}", code=1) from exc
            if frame is None:
                log.info("every server has ended")
                break
            for sink in self.sinks:
                sink.frame(frame)
        return False

    def _tick(self, due: list[float], now: float) -> None:
        if not any(d <= now for d in due):
            return
        statuses = self.hub.status()
        for i, sink in enumerate(self.sinks):
            if due[i] <= now:
                sink.status(statuses)
                due[i] = now + sink.interval

    def drain(self, seconds: float) -> None:
        """Take (and drop) what is still queued until every server has ended or is gone,
        or ``seconds`` pass, so that servers being stopped get their goodbyes confirmed."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if all(s.state in _OVER for s in self.hub.status()):
                return
            try:
                if self.hub.recv(timeout=min(remaining, _SLICE)) is None:
                    return
            except PeerTimeout:
                continue
            except TransportError:
                return
