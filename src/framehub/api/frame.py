"""What a hub hands its caller: one frozen value per frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..wire import JSONValue, Payload

__all__ = ["Frame"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One received frame.

    ``source`` is the port the frame arrived on (as a string): in Multi-Servers
    Mode, the server's identity. ``sender_port`` is the port the server claimed,
    exactly as it sent it (vidgear's ``unique_address``); it equals ``source``
    apart from its type. ``seq`` and ``sent_at`` (the sender's ``time.time()``)
    come from framehub senders only and are None for vidgear ones.
    ``received_at`` is the hub's ``time.time()`` when the frame arrived. ``jpeg``
    holds the compressed bytes as received, or None for a raw frame.
    """

    source: str
    image: np.ndarray[Any, Any] = field(repr=False)
    message: JSONValue = None
    seq: int | None = None
    sent_at: float | None = None
    received_at: float = 0.0
    sender_port: str | int | None = None
    jpeg: Payload | None = field(default=None, repr=False)

    @property
    def latency(self) -> float | None:
        """Seconds from the sender's send() to arrival, when the sender stamped it.

        Only meaningful when both hosts' clocks agree (NTP), or on one host.
        """
        if self.sent_at is None:
            return None
        return self.received_at - self.sent_at
