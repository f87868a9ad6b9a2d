from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from framehub import Hub, PeerTimeout


class Collector:
    """Drains a hub on a thread, recording (source, message, arrival, sent_at) per frame."""

    def __init__(self, hub: Hub, delay: float = 0.0) -> None:
        self.hub = hub
        self.delay = delay
        self.frames: list[tuple[str, object, float, float | None]] = []
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.hub.recv(timeout=0.2)
            except PeerTimeout:
                continue
            if frame is None:
                break
            self.frames.append((frame.source, frame.message, time.time(), frame.sent_at))
            if self.delay:
                time.sleep(self.delay)
        self.ended.set()

    def sources(self) -> set[str]:
        return {source for source, *_ in self.frames}

    def count(self, source: str, since: float = 0.0) -> int:
        return sum(1 for s, _, at, _ in self.frames if s == source and at >= since)

    def wait(self, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def collect() -> Iterator[type[Collector]]:
    made: list[Collector] = []

    class Tracked(Collector):
        def __init__(self, hub: Hub, delay: float = 0.0) -> None:
            super().__init__(hub, delay)
            made.append(self)

    yield Tracked
    for collector in made:
        collector.stop()
