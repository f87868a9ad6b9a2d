"""framehub's exception tree, documented in one place.

    FramehubError
    ├── ConfigError (also ValueError)        the caller passed something invalid
    │   ├── ConfigTypeError (also TypeError) a value of a type vidgear refuses with TypeError
    │   └── UnsupportedOptionError           a recognised option that this build does not offer
    │       (also NotImplementedError)
    ├── WireError                            a peer sent bytes that are not a valid message
    ├── TransportError (also RuntimeError)   the network failed (bind, connect, socket errors)
    │   └── PeerTimeout (also TimeoutError)  no answer from the peer within the budget
    └── SourceError (also RuntimeError)      a video source could not be opened or read
        └── MissingPackageError              the source needs a package that is not installed
            (also ImportError)

Each class is also the built-in exception vidgear raises in the same situation
(``ValueError`` for invalid parameters, ``TypeError`` where it wants one of its
enums, ``RuntimeError`` when a source cannot be opened, a port cannot be bound or a
peer is given up on, ``ImportError`` when the camera package is missing), so code
written for vidgear catches framehub's errors unchanged.

Caller mistakes raise before anything is sent. Peer mistakes (``WireError``) are
dropped, counted and logged by the receiving side and never reach the caller's
thread; they are public so that code using the pure ``framehub.wire`` layer can
catch them.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigTypeError",
    "FramehubError",
    "MissingPackageError",
    "PeerTimeout",
    "SourceError",
    "TransportError",
    "UnsupportedOptionError",
    "WireError",
]


class FramehubError(Exception):
    """Base class of every exception framehub raises on purpose."""


class ConfigError(FramehubError, ValueError):
    """The caller passed an invalid parameter; the message names it and what is accepted."""


class ConfigTypeError(ConfigError, TypeError):
    """A parameter of the wrong type where vidgear raises ``TypeError`` (an enum expected)."""


class UnsupportedOptionError(ConfigError, NotImplementedError):
    """The option is recognised but not available in this build of framehub."""


class WireError(FramehubError):
    """Bytes from the network do not form a valid framehub/NetGear message."""


class TransportError(FramehubError, RuntimeError):
    """A socket could not be bound or connected, or failed while in use."""


class PeerTimeout(TransportError, TimeoutError):
    """The peer did not answer within the allowed time or retry budget."""


class SourceError(FramehubError, RuntimeError):
    """A video source could not be opened, or failed while reading."""


class MissingPackageError(SourceError, ImportError):
    """A source needs an optional package (picamera2, picamera); the message names it."""
