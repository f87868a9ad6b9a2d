"""Session logic as plain code: who is connected, who is gone, what to retry, what to drop.

No sockets, no threads, no clock: callers pass the time in.
"""

from .delivery import DeliveryQueue, Offer, Policy
from .flow import AWAY_SECONDS, CREDIT_RATIO, FlowControl, FlowPlan, Pace
from .keyframes import ASK_AGAIN, KeyframeGate
from .retry import RetryBudget
from .table import (
    EventKind,
    ServerState,
    ServerStatus,
    ServerTable,
    SessionEvent,
    server_label,
)
from .window import (
    BEHIND_QUEUE,
    BEHIND_SHARE,
    FAST_BYTES_PER_SECOND,
    WINDOW_BUDGET,
    consumer_behind,
    window_advice,
)

__all__ = [
    "ASK_AGAIN",
    "AWAY_SECONDS",
    "BEHIND_QUEUE",
    "BEHIND_SHARE",
    "CREDIT_RATIO",
    "FAST_BYTES_PER_SECOND",
    "WINDOW_BUDGET",
    "DeliveryQueue",
    "EventKind",
    "FlowControl",
    "FlowPlan",
    "KeyframeGate",
    "Offer",
    "Pace",
    "Policy",
    "RetryBudget",
    "ServerState",
    "ServerStatus",
    "ServerTable",
    "SessionEvent",
    "consumer_behind",
    "server_label",
    "window_advice",
]
