"""How many failed exchanges in a row a sender tolerates before giving up."""

from __future__ import annotations

__all__ = ["RetryBudget"]


class RetryBudget:
    """Counts *consecutive* failures; any success resets the count.

    vidgear counts failures over the whole life of a connection, so a server that
    survived three short outages in a week abandons on the fourth. Here only an
    unbroken run of ``max_retries`` failures exhausts the budget; ``None`` never does.
    """

    def __init__(self, max_retries: int | None) -> None:
        self.max_retries = max_retries
        self.consecutive = 0

    def failure(self) -> bool:
        """Record a failure; True when the budget is now exhausted."""
        self.consecutive += 1
        return self.max_retries is not None and self.consecutive >= self.max_retries

    def success(self) -> None:
        self.consecutive = 0
