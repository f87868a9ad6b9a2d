"""Per-server bounded queues, served in turn, with a policy for when one is full.

Pure data structure: the hub guards it with its lock.
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
    #: Only the newest frames are kept: older ones are dropped (and counted).
    LATEST = "latest"


class Offer(Enum):
    ACCEPTED = "accepted"
    #: Accepted, and older queued items of the source were dropped to make room.
    ACCEPTED_DROPPING = "accepted, older dropped"
    #: Not accepted: the source's queue is full (lossless); offer it again later.
    FULL = "full"


class DeliveryQueue(Generic[T]):
    """One bounded queue per source, taken from in turn.

    Sources take turns (round robin): whatever its rate, every source with frames
    waiting gets one in each round, so a fast server cannot starve a slow one.
    Each source's queue holds at most ``limit`` items (``capacity``, or fewer while
    the hub's flow control asks for fewer): a lossless source is then refused
    (``Offer.FULL``) until the consumer takes one; a "latest" source has its oldest
    items dropped instead. Items the hub marks ``precious`` (frames already being
    decoded) do not count towards a "latest" limit and are never dropped: dropping
    them would waste the work, and they are next in line anyway.
    """

    def __init__(
        self, capacity: int, policy: Policy, precious: Callable[[T], bool] | None = None
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.policy = policy
        self._limit = capacity
        self._precious = precious
        self._queues: dict[str, deque[T]] = {}
        #: Sources with items waiting, in the order they will be served.
        self._turns: deque[str] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def limit(self) -> int:
        """Items each source may have queued now (1 to ``capacity``)."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = max(1, min(value, self.capacity))

    def count(self, source: str) -> int:
        queue = self._queues.get(source)
        return 0 if queue is None else len(queue)

    def offer(self, source: str, item: T) -> tuple[Offer, list[T]]:
        """Queue ``item``; also returns the items dropped to make room (latest)."""
        queue = self._queues.setdefault(source, deque())
        # Whether the source has its turn already: dropping its items must not give
        # it a second one (a queue of one emptied by the drop, then refilled).
        waiting = bool(queue)
        if self.policy is Policy.LOSSLESS:
            if len(queue) >= self._limit:
                return Offer.FULL, []
            dropped: list[T] = []
        else:
            dropped = self._trim(queue, self._limit - 1)
        if not waiting:
            self._turns.append(source)
        queue.append(item)
        self._size += 1
        return (Offer.ACCEPTED_DROPPING if dropped else Offer.ACCEPTED), dropped

    def trim(self) -> list[tuple[str, T]]:
        """Drop (latest) what every source holds above the limit now; returns it."""
        if self.policy is Policy.LOSSLESS:
            return []
        dropped: list[tuple[str, T]] = []
        for source in list(self._turns):
            queue = self._queues[source]
            dropped += [(source, item) for item in self._trim(queue, self._limit)]
            if not queue:
                self._turns.remove(source)
        return dropped

    def _trim(self, queue: deque[T], keep: int) -> list[T]:
        """Remove the oldest droppable items until at most ``keep`` droppable ones remain."""
        precious = self._precious
        droppable = [item for item in queue if precious is None or not precious(item)]
        excess = droppable[: max(0, len(droppable) - keep)]
        if excess:
            gone = {id(item) for item in excess}
            kept = [item for item in queue if id(item) not in gone]
            queue.clear()
            queue.extend(kept)
            self._size -= len(excess)
        return excess

    def ahead(self, count: int) -> Iterator[T]:
        """The next ``count`` items to be taken, in the order they will be (without taking)."""
        queues = [self._queues[source] for source in self._turns]
        taken = 0
        depth = 0
        while taken < count and any(depth < len(queue) for queue in queues):
            for queue in queues:
                if depth < len(queue):
                    if taken == count:
                        return
                    yield queue[depth]
                    taken += 1
            depth += 1

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
