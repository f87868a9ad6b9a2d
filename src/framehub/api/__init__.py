"""framehub's native API: a Hub that many Senders stream into, with typed configuration."""

from ..session import EventKind, Pace, Policy, ServerState, ServerStatus, SessionEvent
from ..transport.ssh import SshTunnelConfig
from .async_hub import AsyncHub
from .async_sender import AsyncSender
from .config import (
    Codec,
    H264Config,
    HubConfig,
    ImagezmqConfig,
    JpegConfig,
    Lifetime,
    SecurityConfig,
    SenderConfig,
    SubscriberConfig,
)
from .frame import Frame
from .group import ClientReply, SenderGroup
from .hub import Hub
from .sender import Sender, SenderStats
from .subscriber import Subscriber

__all__ = [
    "AsyncHub",
    "AsyncSender",
    "ClientReply",
    "Codec",
    "EventKind",
    "Frame",
    "H264Config",
    "Hub",
    "HubConfig",
    "ImagezmqConfig",
    "JpegConfig",
    "Lifetime",
    "Pace",
    "Policy",
    "SecurityConfig",
    "Sender",
    "SenderConfig",
    "SenderGroup",
    "SenderStats",
    "ServerState",
    "ServerStatus",
    "SessionEvent",
    "SshTunnelConfig",
    "Subscriber",
    "SubscriberConfig",
]
