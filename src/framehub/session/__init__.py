"""Session logic as plain code: who is connected, who is gone, what to retry, what to drop.

No sockets, no threads, no clock: callers pass the time in.
"""

from .delivery import DeliveryQueue, Offer, Policy
from .retry import RetryBudget
from .table import EventKind, ServerState, ServerStatus, ServerTable, SessionEvent

__all__ = [
    "DeliveryQueue",
    "EventKind",
    "Offer",
    "Policy",
    "RetryBudget",
    "ServerState",
    "ServerStatus",
    "ServerTable",
    "SessionEvent",
]
