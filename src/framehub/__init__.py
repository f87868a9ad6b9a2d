"""framehub: live video frames from many camera hosts to one hub over ZeroMQ.

``NetGear`` is a drop-in, wire-compatible replacement for vidgear's class of the
same name; ``Hub`` and ``Sender`` are the native API beneath it.
"""

from __future__ import annotations

from .api import (
    EventKind,
    Frame,
    Hub,
    HubConfig,
    JpegConfig,
    Policy,
    Sender,
    SenderConfig,
    SenderStats,
    ServerState,
    ServerStatus,
    SessionEvent,
)
from .errors import (
    ConfigError,
    FramehubError,
    PeerTimeout,
    SourceError,
    TransportError,
    UnsupportedOptionError,
    WireError,
)
from .netgear import NetGear

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "EventKind",
    "Frame",
    "FramehubError",
    "Hub",
    "HubConfig",
    "JpegConfig",
    "NetGear",
    "PeerTimeout",
    "Policy",
    "Sender",
    "SenderConfig",
    "SenderStats",
    "ServerState",
    "ServerStatus",
    "SessionEvent",
    "SourceError",
    "TransportError",
    "UnsupportedOptionError",
    "WireError",
    "__version__",
]
