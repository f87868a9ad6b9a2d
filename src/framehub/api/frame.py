"""What a hub hands its caller: one read-only value per frame."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..session import server_label
from ..wire import JSONValue, Payload
from .decoding import DecodeAhead, Pending

__all__ = ["Frame"]


class Frame:
    """One received frame.

    ``source`` is the port the frame arrived on (as a string): in Multi-Servers
    Mode, the server's identity. ``sender_port`` is the port the server claimed,
    exactly as it sent it (vidgear's ``unique_address``); it equals ``source``
    apart from its type. ``seq`` and ``sent_at`` (the sender's ``time.time()``)
    come from framehub senders only and are None for vidgear ones, as is ``name``
    (the name the server was given, ``SenderConfig.name``); ``label`` shows it
    beside the port, ``door (5566)``. ``received_at`` is the hub's ``time.time()``
    when the frame arrived.

    A frame of an imagezmq sender (``HubConfig(imagezmq=...)``) has the name it sent
    (``send_image(name, image)``) as ``source``, ``name`` and ``label``; ``via`` is
    the hub port or sender address it came through (None for NetGear frames);
    ``jpeg`` holds what ``send_jpg`` sent; ``message``, ``seq``, ``sent_at``,
    ``latency`` and ``sender_port`` are None, as imagezmq's wire has no such fields.

    ``image`` is the decoded frame. A hub made with ``decode=False`` does not
    decode on its own: ``jpeg`` (the compressed bytes as received, None for a raw
    frame) can then be passed on untouched, ``thumbnail()`` decodes at a reduced
    scale, and ``image`` decodes on first use (raising ``WireError`` for a corrupt
    JPEG, which a decoding hub drops before delivery). An H.264 frame (``codec``) is
    always decoded by the hub, in order with its server's others (``api.lanes``),
    whatever ``decode`` says; its ``jpeg`` is None.
    """

    __slots__ = ("_decoder", "_image", "_lock", "_pending", "source")

    def __init__(self, source: str, pending: Pending, decoder: DecodeAhead) -> None:
        self.source = source
        self._pending = pending
        self._decoder = decoder
        self._image: np.ndarray[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def image(self) -> np.ndarray[Any, Any]:
        image = self._image
        if image is None:
            with self._lock:
                if self._image is None:
                    self._image = self._decoder.result(self._pending)
                image = self._image
        return image

    def thumbnail(self, min_width: int, min_height: int) -> np.ndarray[Any, Any]:
        """The frame decoded at the smallest libjpeg-turbo scale (1/8 to 1) that is at
        least ``min_width`` x ``min_height``: several times cheaper than ``image`` for
        montage tiles. A raw frame is returned whole."""
        if self._image is not None or self._pending.packet.compression is None:
            return self.image
        return self._decoder.decode(self._pending.packet, min_width, min_height)

    @property
    def message(self) -> JSONValue:
        return self._pending.packet.message

    @property
    def seq(self) -> int | None:
        return self._pending.packet.seq

    @property
    def name(self) -> str | None:
        return self._pending.packet.name

    @property
    def label(self) -> str:
        return server_label(self.source, self.name)

    @property
    def sent_at(self) -> float | None:
        return self._pending.packet.sent_at

    @property
    def received_at(self) -> float:
        return self._pending.received_at

    @property
    def sender_port(self) -> str | int | None:
        return self._pending.packet.port

    @property
    def via(self) -> str | None:
        return self._pending.packet.via

    @property
    def codec(self) -> str:
        """How the frame travelled: ``"raw"``, ``"jpeg"`` or ``"h264"``."""
        packet = self._pending.packet
        if packet.codec is not None:
            return packet.codec.name
        return "raw" if packet.compression is None else "jpeg"

    @property
    def jpeg(self) -> Payload | None:
        packet = self._pending.packet
        return packet.payload if packet.compression is not None else None

    @property
    def latency(self) -> float | None:
        """Seconds from the sender's send() to arrival, when the sender stamped it.

        Only meaningful when both hosts' clocks agree (NTP), or on one host.
        """
        sent_at = self.sent_at
        return None if sent_at is None else self.received_at - sent_at

    def __repr__(self) -> str:
        return (
            f"Frame(source={self.source!r}, seq={self.seq!r}, message={self.message!r:.40}, "
            f"{self.codec})"
        )
