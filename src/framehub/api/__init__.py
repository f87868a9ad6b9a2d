"""framehub's native API: a Hub that many Senders stream into, with typed configuration."""

from ..session import EventKind, Policy, ServerState, ServerStatus, SessionEvent
from .config import HubConfig, JpegConfig, Lifetime, SenderConfig
from .frame import Frame
from .hub import Hub
from .sender import Sender, SenderStats

__all__ = [
    "EventKind",
    "Frame",
    "Hub",
    "HubConfig",
    "JpegConfig",
    "Lifetime",
    "Policy",
    "Sender",
    "SenderConfig",
    "SenderStats",
    "ServerState",
    "ServerStatus",
    "SessionEvent",
]
