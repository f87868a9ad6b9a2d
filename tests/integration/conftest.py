from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest


class Background:
    """Run callables in threads; join them at the end and re-raise what they raised."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.results: dict[str, Any] = {}

    def start(self, name: str, target: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            try:
                self.results[name] = target()
            except BaseException as exc:
                self.errors.append(exc)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def result(self, name: str) -> Any:
        """What ``name`` returned, once every thread has finished."""
        self.join()
        return self.results[name]

    def join(self, timeout: float = 20.0) -> None:
        for thread in self.threads:
            thread.join(timeout)
            assert not thread.is_alive(), f"{thread.name} did not finish"
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.join()
