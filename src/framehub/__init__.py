"""framehub: live video frames from many camera hosts to one hub over ZeroMQ."""

from __future__ import annotations

from .errors import (
    ConfigError,
    FramehubError,
    PeerTimeout,
    SourceError,
    TransportError,
    UnsupportedOptionError,
    WireError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FramehubError",
    "PeerTimeout",
    "SourceError",
    "TransportError",
    "UnsupportedOptionError",
    "WireError",
    "__version__",
]
