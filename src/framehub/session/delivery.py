"""Per-server bounded queues in one arrival order, with a policy for when one is full.

Pure data structure: the hub wraps it in a lock and a condition variable.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from enum import Enum, StrEnum
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
    """One bounded queue per source, taken from in turn; each holds at most ``capacity``.

    Sources take turns (round robin): whatever its rate, every source with frames
    waiting gets one in each round, so a fast server cannot starve a slow one. (In
    arrival order a flooding source under the "latest" policy never delivered at
    all: its oldest frame was always dropped before reaching the head.) Bounding
    each source separately also bounds the age of any delivered item by the
    consumer's speed times ``capacity`` times the number of sources.
    """

    def __init__(
        self, capacity: int, policy: Policy, precious: Callable[[T], bool] | None = None
    ) -> None:
        """``precious`` marks items the "latest" policy should drop last (the hub's
        frames already being decoded: dropping them would waste the work)."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        #: What each queue may take up to now under the lossless policy: ``capacity``,
        #: or less while the consumer is persistently behind (see ``session.window``).
        #: Items queued above a lowered limit stay; the source waits until its queue is
        #: below it.
        self.limit = capacity
        self.policy = policy
        self._precious = precious
        self._queues: dict[str, deque[T]] = {}
        #: Sources with items waiting, in the order they will be served.
        self._turns: deque[str] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def count(self, source: str) -> int:
        queue = self._queues.get(source)
        return 0 if queue is None else len(queue)

    def offer(self, source: str, item: T) -> tuple[Offer, T | None]:
        """Queue ``item``; also returns the item dropped to make room, if any."""
        queue = self._queues.setdefault(source, deque())
        dropped = None
        if self.policy is Policy.LOSSLESS and len(queue) >= self.limit:
            return Offer.FULL, None
        if len(queue) >= self.capacity:
            dropped = self._victim(queue)
            self._size -= 1
        if not queue:
            self._turns.append(source)
        queue.append(item)
        self._size += 1
        return (Offer.ACCEPTED if dropped is None else Offer.ACCEPTED_DROPPING), dropped

    def _victim(self, queue: deque[T]) -> T:
        """Remove and return the oldest item that is not precious (else the oldest)."""
        if self._precious is not None:
            for index, item in enumerate(queue):
                if not self._precious(item):
                    del queue[index]
                    return item
        return queue.popleft()

    def ahead(self, count: int) -> Iterator[T]:
        """The next ``count`` items to be taken, in the order they will be (without taking)."""
        queues = [self._queues[source] for source in self._turns]
        taken = 0
        for depth in range(self.capacity):
            for queue in queues:
                if depth < len(queue):
                    if taken == count:
                        return
                    yield queue[depth]
                    taken += 1

    def take(self) -> tuple[str, T] | None:
        """The next source's oldest item, or None when empty."""
        if not self._turns:
            return None
        source = self._turns.popleft()
        queue = self._queues[source]
        item = queue.popleft()
        self._size -= 1
        if queue:
            self._turns.append(source)
        return source, item

    def clear(self) -> list[T]:
        """Empty the queue; returns what was in it."""
        items = [item for queue in self._queues.values() for item in queue]
        self._queues.clear()
        self._turns.clear()
        self._size = 0
        return items
