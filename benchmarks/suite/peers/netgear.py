"""NetGear in Multi-Servers Mode: the same calls drive framehub's and vidgear's class.

That the adapter is shared is the point: framehub is measured exactly as a user
who switched the import line would run it.
"""

from __future__ import annotations

import importlib
from functools import partial
from typing import Any

from .base import ADDRESS, Frame, Peer, StreamEnded, Wiring

__all__ = ["FRAMEHUB", "FRAMEHUB_OPTIONS", "VIDGEAR"]

#: Extra NetGear options for framehub's client and servers (``--framehub KEY=VALUE``),
#: set before the children are forked; vidgear never gets them.
FRAMEHUB_OPTIONS: dict[str, Any] = {}


def _netgear(module: str) -> Any:
    return importlib.import_module(module).NetGear


def _extra(module: str) -> dict[str, Any]:
    return FRAMEHUB_OPTIONS if module == "framehub" else {}


class _Client:
    def __init__(self, module: str, wiring: Wiring) -> None:
        self._index = {str(port): i for i, port in enumerate(wiring.ports)}
        self._client = _netgear(module)(
            address=ADDRESS,
            port=tuple(str(port) for port in wiring.ports),
            protocol="tcp",
            pattern=wiring.pattern,
            receive_mode=True,
            multiserver_mode=True,
            jpeg_compression=wiring.jpeg,
            **_extra(module),
        )

    def recv(self) -> tuple[int, float, int, Frame]:
        data = self._client.recv()
        if data is None:
            raise StreamEnded
        # Every frame carries [stamp, seq] as the message, so recv() gives 3-tuples.
        port, (stamp, seq), frame = data
        return self._index[str(port)], float(stamp), int(seq), frame


class _Server:
    def __init__(self, module: str, wiring: Wiring, index: int) -> None:
        self._server = _netgear(module)(
            address=ADDRESS,
            port=str(wiring.ports[index]),
            protocol="tcp",
            pattern=wiring.pattern,
            multiserver_mode=True,
            jpeg_compression=wiring.jpeg,
            **_extra(module),
        )

    def send(self, frame: Frame, stamp: float, seq: int) -> None:
        self._server.send(frame, message=[stamp, seq])


def _peer(name: str, module: str) -> Peer:
    return Peer(
        name,
        f"{name} NetGear, Multi-Servers Mode: the client binds one port per server",
        module,
        partial(_Client, module),
        partial(_Server, module),
    )


FRAMEHUB = _peer("framehub", "framehub")
VIDGEAR = _peer("vidgear", "vidgear.gears")
