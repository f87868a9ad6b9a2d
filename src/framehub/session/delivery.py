"""Per-server bounded queues in one arrival order, with a policy for when one is full.

Pure data structure: the hub wraps it in a lock and a condition variable.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from enum import Enum, StrEnum
from itertools import islice
from typing import Generic, TypeVar

__all__ = ["DeliveryQueue", "Offer", "Policy"]

T = TypeVar("T")


class Policy(StrEnum):
    """What happens to a server's frames when the consumer falls behind."""

    #: The server's queue is bounded and it is made to wait: nothing is dropped.
    LOSSLESS = "lossless"
    #: Only the newest frames are kept: the oldest is dropped (and counted).
    LATEST = "latest"


class Offer(Enum):
    ACCEPTED = "accepted"
    #: Accepted, and the source's oldest queued item was dropped to make room.
    ACCEPTED_DROPPING = "accepted, oldest dropped"
    #: Not accepted: the source's queue is full (lossless); offer it again later.
    FULL = "full"


class DeliveryQueue(Generic[T]):
    """Items leave in arrival order across sources; each source holds at most ``capacity``.

    Bounding each source separately means a fast server cannot fill the queue and
    starve a slow one, and the age of any delivered item is bounded by the
    consumer's speed times ``capacity``.
    """

    def __init__(self, capacity: int, policy: Policy) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.policy = policy
        self._items: deque[tuple[str, T]] = deque()
        self._counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._items)

    def count(self, source: str) -> int:
        return self._counts[source]

    def offer(self, source: str, item: T) -> tuple[Offer, T | None]:
        """Queue ``item``; also returns the item dropped to make room, if any."""
        dropped = None
        if self._counts[source] >= self.capacity:
            if self.policy is Policy.LOSSLESS:
                return Offer.FULL, None
            dropped = self._drop_oldest(source)
        self._items.append((source, item))
        self._counts[source] += 1
        return (Offer.ACCEPTED if dropped is None else Offer.ACCEPTED_DROPPING), dropped

    def _drop_oldest(self, source: str) -> T | None:
        for index, (owner, item) in enumerate(self._items):
            if owner == source:
                del self._items[index]
                self._counts[source] -= 1
                return item
        return None

    def ahead(self, count: int) -> Iterator[T]:
        """The next ``count`` items to be taken, oldest first (without taking them)."""
        return (item for _, item in islice(self._items, count))

    def take(self) -> tuple[str, T] | None:
        """The oldest item of any source, or None when empty."""
        if not self._items:
            return None
        source, item = self._items.popleft()
        self._counts[source] -= 1
        return source, item

    def clear(self) -> list[T]:
        """Empty the queue; returns what was in it."""
        items = [item for _, item in self._items]
        self._items.clear()
        self._counts.clear()
        return items
