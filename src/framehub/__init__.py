"""framehub: live video frames from many camera hosts to one hub over ZeroMQ.

``NetGear`` is a drop-in, wire-compatible replacement for vidgear's class of the
same name; ``Hub`` and ``Sender`` are the native API beneath it, and ``AsyncHub`` and
``AsyncSender`` the same for asyncio code.
"""

from __future__ import annotations

from .api import (
    AsyncHub,
    AsyncSender,
    EventKind,
    Frame,
    H264Config,
    Hub,
    HubConfig,
    ImagezmqConfig,
    JpegConfig,
    Lifetime,
    Pace,
    Policy,
    SecurityConfig,
    Sender,
    SenderConfig,
    SenderGroup,
    SenderStats,
    ServerState,
    ServerStatus,
    SessionEvent,
    SshTunnelConfig,
    Subscriber,
    SubscriberConfig,
)
from .errors import (
    ConfigError,
    ConfigTypeError,
    FramehubError,
    MissingPackageError,
    PeerTimeout,
    SourceError,
    TransportError,
    UnsupportedOptionError,
    WireError,
)
from .montage import LiveMontage, TileInfo, build_montages
from .netgear import NetGear
from .sources import CamGear, PiGear, TestPattern, VideoGear

__version__ = "0.1.0"

__all__ = [
    "AsyncHub",
    "AsyncSender",
    "CamGear",
    "ConfigError",
    "ConfigTypeError",
    "EventKind",
    "Frame",
    "FramehubError",
    "H264Config",
    "Hub",
    "HubConfig",
    "ImagezmqConfig",
    "JpegConfig",
    "Lifetime",
    "LiveMontage",
    "MissingPackageError",
    "NetGear",
    "Pace",
    "PeerTimeout",
    "PiGear",
    "Policy",
    "SecurityConfig",
    "Sender",
    "SenderConfig",
    "SenderGroup",
    "SenderStats",
    "ServerState",
    "ServerStatus",
    "SessionEvent",
    "SourceError",
    "SshTunnelConfig",
    "Subscriber",
    "SubscriberConfig",
    "TestPattern",
    "TileInfo",
    "TransportError",
    "UnsupportedOptionError",
    "VideoGear",
    "WireError",
    "__version__",
    "build_montages",
]
