"""Who may connect to a secure hub: plain decisions, fed a peer's address and key.

StoneHouse accepts any CURVE key (the link is still encrypted); IronHouse
accepts only keys found in the authorised folder, re-read when the folder
changes, so deleting one camera's ``.key`` file revokes that camera alone. An
optional IP allow-list narrows either mode; it is off unless given. Nothing
here touches a socket: the transport's ZAP handler asks, and carries out.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from ..errors import ConfigError
from .keys import read_public_keys

__all__ = ["AccessPolicy", "AuthorisedKeys", "Decision", "SecureMode", "parse_networks"]

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: How stale the authorised set may be when checked per message (revocation of
#: peers already connected); new connections always see the folder as it is.
RECHECK_SECONDS = 0.5


class SecureMode(IntEnum):
    """vidgear's ``secure_mode`` values (0, Grasslands, means no security at all)."""

    STONEHOUSE = 1
    IRONHOUSE = 2


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    #: ZAP status: 200 allowed, 400 refused.
    status: int
    reason: str
    #: Sent back as the connection's User-Id: the peer's key's file name, or its key.
    user_id: str = ""


def parse_networks(name: str, values: Iterable[object]) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR networks (``192.168.1.7``, ``10.0.0.0/24``, ``::1``)."""
    networks = []
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must hold IP addresses or networks as text, got {value!r}")
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"{name} must hold IP addresses or networks such as '192.168.1.7' or "
                f"'10.0.0.0/24', got {value!r}"
            ) from None
    return tuple(networks)


class AuthorisedKeys:
    """The public keys in one folder, re-read whenever the folder's listing changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[bytes, str] = {}
        self._checked = 0.0
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> dict[bytes, str]:
        """The current keys; reads the folder again if it changed (or ``force``)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._checked < RECHECK_SECONDS:
                return self._keys
            self._checked = now
            try:
                stat = os.stat(self.folder)
            except OSError as exc:
                # The folder went away: nobody is authorised any more.
                if self._keys:
                    log.warning("authorised keys folder %s is unreadable: %s", self.folder, exc)
                self._keys, self._stamp = {}, None
                return self._keys
            stamp = (stat.st_mtime_ns, stat.st_ino)
            if force or stamp != self._stamp:
                before = set(self._keys.values())
                self._keys = read_public_keys(self.folder)
                self._stamp = stamp
                gone = before - set(self._keys.values())
                if gone:
                    log.warning("keys revoked (no longer in %s): %s", self.folder, sorted(gone))
            return self._keys

    def name_of(self, key: bytes, *, force: bool = False) -> str | None:
        return self.refresh(force=force).get(key)


class AccessPolicy:
    """One secure hub's rule for incoming connections."""

    def __init__(
        self,
        mode: SecureMode,
        *,
        authorised: AuthorisedKeys | None = None,
        allow_ips: tuple[IPNetwork, ...] = (),
    ) -> None:
        if mode is SecureMode.IRONHOUSE and authorised is None:
            raise ConfigError("IronHouse (secure_mode=2) needs a folder of authorised keys")
        self.mode = mode
        self.authorised = authorised
        self.allow_ips = allow_ips

    def decide(self, address: str, mechanism: str, public_key: bytes) -> Decision:
        """A new connection from ``address`` presenting ``public_key`` (Z85)."""
        if mechanism != "CURVE":
            return Decision(False, 400, f"mechanism {mechanism} refused: CURVE only")
        if self.allow_ips and not self._address_allowed(address):
            return Decision(False, 400, f"address {address} is not in the allow-list")
        if self.authorised is None:
            return Decision(True, 200, "OK", public_key.decode())
        name = self.authorised.name_of(public_key, force=True)
        if name is None:
            return Decision(False, 400, "key not authorised")
        return Decision(True, 200, "OK", name)

    def still_allowed(self, user_id: str | None) -> bool:
        """Whether a peer that connected as ``user_id`` is still authorised (IronHouse)."""
        if self.authorised is None:
            return True
        return user_id is not None and user_id in self.authorised.refresh().values()

    def _address_allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.allow_ips)
