"""Secure Mode settings turned into what the transport applies: keys and an access policy.

Everything is loaded and checked here, at construction, so a missing or bad key
raises in the caller's thread before any socket exists.
"""

from __future__ import annotations

import logging

from ..errors import ConfigError
from ..security import AccessPolicy, AuthorisedKeys, SecureMode, parse_networks
from ..transport import Curve, curve_available
from .config import SecurityConfig

__all__ = ["hub_security", "sender_curve"]

log = logging.getLogger(__name__)


def _check_curve() -> None:
    if not curve_available():
        raise ConfigError(
            "Secure Mode needs a libzmq built with CURVE support, and this one has none "
            "(pyzmq's own wheels have it)"
        )


def hub_security(security: SecurityConfig | None) -> tuple[Curve | None, AccessPolicy | None]:
    """A hub's own keys and who may connect to it; (None, None) without Secure Mode."""
    if security is None:
        return None, None
    _check_curve()
    pair = security.keys.load_pair(security.own_key(hub=True))
    authorised = None
    if security.mode is SecureMode.IRONHOUSE:
        authorised = AuthorisedKeys(security.keys.public_dir)
        if not authorised.refresh():
            raise ConfigError(
                f"IronHouse (secure_mode=2) found no public key in {security.keys.public_dir}: "
                "no sender could ever connect (copy each camera's .key file there)"
            )
    policy = AccessPolicy(
        SecureMode(security.mode),
        authorised=authorised,
        allow_ips=parse_networks("allow_ips", security.allow_ips),
    )
    log.debug("Secure Mode %s with keys in %s", policy.mode.name, security.keys.keys_dir)
    return Curve(pair.public, pair.secret), policy


def sender_curve(security: SecurityConfig | None) -> Curve | None:
    """A sender's own keys and the hub's public key; None without Secure Mode."""
    if security is None:
        return None
    _check_curve()
    pair = security.keys.load_pair(security.own_key(hub=False))
    hub_key = security.keys.load_public(security.hub_key)
    return Curve(pair.public, pair.secret, server_key=hub_key)
