"""Session logic as plain code: who is connected, who is gone, what to retry, what to drop.

No sockets, no threads, no clock: callers pass the time in.
"""

from .delivery import DeliveryQueue, Offer, Policy
from .retry import RetryBudget
from .table import EventKind, ServerState, ServerStatus, ServerTable, SessionEvent
from .window import (
    BEHIND_QUEUE,
    BEHIND_SHARE,
    FAST_BYTES_PER_SECOND,
    WINDOW_BUDGET,
    consumer_behind,
    window_advice,
)

__all__ = [
    "BEHIND_QUEUE",
    "BEHIND_SHARE",
    "FAST_BYTES_PER_SECOND",
    "WINDOW_BUDGET",
    "DeliveryQueue",
    "EventKind",
    "Offer",
    "Policy",
    "RetryBudget",
    "ServerState",
    "ServerStatus",
    "ServerTable",
    "SessionEvent",
    "consumer_behind",
    "window_advice",
]
