"""The libraries under test, in the order the report shows them."""

from __future__ import annotations

import importlib

from .aio import ASYNC
from .base import Peer
from .imagezmq import IMAGEZMQ
from .native import NATIVE
from .netgear import FRAMEHUB, VIDGEAR
from .pyzmq import PYZMQ

__all__ = ["ALL", "BASELINE", "FULL", "PEERS", "QUICK", "Peer", "available"]

#: framehub as users run it (the NetGear facade): the peer every ratio is about.
BASELINE = FRAMEHUB.name

PEERS: dict[str, Peer] = {p.name: p for p in (FRAMEHUB, NATIVE, ASYNC, VIDGEAR, IMAGEZMQ, PYZMQ)}
ALL = tuple(PEERS)
#: The quick run's default: AsyncHub only with ``--only peer=...`` (it is measured
#: against fh-native, not against the other libraries).
QUICK = tuple(name for name in ALL if name != ASYNC.name)
#: The full run's default: the native API was within noise of NetGear in every cell
#: of a full run, and a fifth peer would add a quarter to the full run.
FULL = tuple(name for name in QUICK if name != NATIVE.name)


def available(names: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, str]]:
    """Import each peer's library now (before any fork); the names that can run, and why
    the others cannot."""
    ok: list[str] = []
    missing: dict[str, str] = {}
    for name in names:
        try:
            importlib.import_module(PEERS[name].requires)
        except ImportError as exc:
            missing[name] = f"{exc} (pip install -e '.[bench]')"
        else:
            ok.append(name)
    return tuple(ok), missing
