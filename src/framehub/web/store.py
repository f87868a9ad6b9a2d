"""The newest frame and status of every server, handed from the hub's consumer to viewers.

The consumer thread calls ``publish`` for every frame and ``update`` a few times a
second; both only swap a reference under a lock and call the watchers, which must
not block either (the web server's watcher schedules a wake-up on its own loop).
Viewers read whatever is newest when they are ready for more, so a slow viewer
skips frames instead of holding the hub back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..api import Frame, ServerStatus

__all__ = ["FrameStore", "Latest"]


@dataclass(frozen=True, slots=True)
class Latest:
    """One server's newest frame; ``version`` grows with every frame published anywhere."""

    version: int
    frame: Frame


class FrameStore:
    """Thread-safe latest-frame-per-server store; the publisher never waits on a reader."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, Latest] = {}
        self._statuses: tuple[ServerStatus, ...] = ()
        self._version = 0
        self._status_version = 0
        self._watchers: list[Callable[[str | None], None]] = []

    # -- the hub's consumer thread ----------------------------------------------------

    def publish(self, frame: Frame) -> None:
        """``frame`` is now its server's newest."""
        with self._lock:
            self._version += 1
            self._latest[frame.source] = Latest(self._version, frame)
            watchers = self._watchers
        for watcher in watchers:
            watcher(frame.source)

    def update(self, statuses: tuple[ServerStatus, ...]) -> None:
        """The hub's latest ``Hub.status()`` snapshot."""
        with self._lock:
            self._statuses = statuses
            self._status_version += 1
            watchers = self._watchers
        for watcher in watchers:
            watcher(None)

    # -- any thread -------------------------------------------------------------------

    def watch(self, callback: Callable[[str | None], None]) -> Callable[[], None]:
        """Call ``callback`` after every change, on the changing thread; returns an unwatch.

        It gets the server whose frame was published, or None for a status update. It
        runs on the hub's receive path: it must return at once.
        """
        with self._lock:
            self._watchers = [*self._watchers, callback]

        def unwatch() -> None:
            with self._lock:
                self._watchers = [w for w in self._watchers if w is not callback]

        return unwatch

    def latest(self, source: str) -> Latest | None:
        with self._lock:
            return self._latest.get(source)

    def frames(self) -> dict[str, Latest]:
        """Every server's newest frame."""
        with self._lock:
            return dict(self._latest)

    def statuses(self) -> tuple[int, tuple[ServerStatus, ...]]:
        """The newest status snapshot and its version (which grows with every update)."""
        with self._lock:
            return self._status_version, self._statuses

    @property
    def version(self) -> int:
        """Grows with every frame published and every status update."""
        with self._lock:
            return self._version + self._status_version
