"""framehub's native API (Hub/Sender), with the settings NetGear would pick."""

from __future__ import annotations

from typing import Any

from framehub import Hub, HubConfig, JpegConfig, Sender, SenderConfig

from .base import ADDRESS, Frame, Peer, StreamEnded, Wiring

__all__ = ["NATIVE", "NativeServer"]


class _Client:
    def __init__(self, wiring: Wiring) -> None:
        self._index = {str(port): i for i, port in enumerate(wiring.ports)}
        pattern: Any = wiring.pattern
        self._hub = Hub(HubConfig(ports=wiring.ports, address=ADDRESS, pattern=pattern))

    def recv(self) -> tuple[int, float, int, Frame]:
        frame = self._hub.recv()
        if frame is None:
            raise StreamEnded
        message: Any = frame.message
        stamp, seq = message
        return self._index[frame.source], float(stamp), int(seq), frame.image


class NativeServer:
    def __init__(self, wiring: Wiring, index: int) -> None:
        pattern: Any = wiring.pattern
        self._sender = Sender(
            SenderConfig(
                port=wiring.ports[index],
                address=ADDRESS,
                pattern=pattern,
                jpeg=JpegConfig() if wiring.jpeg else None,
            )
        )

    def send(self, frame: Frame, stamp: float, seq: int) -> None:
        self._sender.send(frame, message=[stamp, seq])


NATIVE = Peer(
    "fh-native",
    "framehub Hub/Sender, the native API beneath its NetGear (same wire, same settings)",
    "framehub",
    _Client,
    NativeServer,
)
