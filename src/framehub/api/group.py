"""One server streaming to several clients (vidgear's Multi-Clients Mode).

Each client binds its own port and the server connects to every one of them,
through one ``Sender`` per client: each client has its own connection, window,
reconnection and goodbye, and frames are encoded once for all of them.

``broadcast=True`` (always so in pattern 2) sends every frame to every client.
Pattern 1 without it keeps vidgear's semantics: each frame goes to one client,
in turn (skipping clients that cannot take a frame at once), and waits for that
client's reply.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..checks import Closing
from ..errors import ConfigError
from ..transport import Context
from ..wire import JSONValue
from .config import PortValue, SenderConfig, check_port
from .sender import ReplyData, Sender, SenderStats
from .validate import check_message

__all__ = ["ClientReply", "SenderGroup"]

log = logging.getLogger(__name__)

#: A client's port (as given in ``ports``) and the data it sent back.
ClientReply = tuple[PortValue, ReplyData]


class SenderGroup(Closing):
    """Streams to every client in ``ports``; ``config`` gives everything but the port."""

    def __init__(
        self,
        config: SenderConfig,
        ports: Sequence[PortValue],
        *,
        broadcast: bool = True,
        context: Context[Any] | None = None,
    ) -> None:
        if isinstance(ports, str) or not isinstance(ports, tuple | list) or not ports:
            raise ConfigError(f"ports must be a non-empty list of client ports, got {ports!r}")
        checked = [check_port("each client port", p) for p in ports]
        if len(set(checked)) != len(checked):
            raise ConfigError(f"client ports must be unique, got {ports!r}")
        # The config checks Multi-Clients Mode against the other modes and patterns.
        config = replace(config, multiclient=True)
        self.config = config
        self.ports = tuple(ports)
        self.broadcast = broadcast or config.pattern == 2
        # A Multi-Clients client answers every frame with data (and its port), as
        # in bidirectional mode: the round-robin waits for each answer.
        child = replace(config, bidirectional=config.bidirectional or not self.broadcast)
        self._senders: list[Sender] = []
        try:
            for port in self.ports:
                self._senders.append(Sender(replace(child, port=port), context=context))
        except BaseException:
            self.close()
            raise
        self._encoder = self._senders[0]._encoder
        self._turn = 0
        self._closed = False

    @property
    def stats(self) -> dict[PortValue, SenderStats]:
        """Each client's counters, by port."""
        return {port: s.stats for port, s in zip(self.ports, self._senders, strict=True)}

    def send(self, frame: np.ndarray[Any, Any], message: JSONValue = None) -> None:
        """Send one frame: to every client, or (round-robin) to the next one."""
        self._deliver(frame, message, want_replies=False)

    def request(self, frame: np.ndarray[Any, Any], message: JSONValue = None) -> list[ClientReply]:
        """Send one frame and return what each client that got it sent back.

        Round-robin: one entry (the client that took the frame), or none if it was
        dropped. Broadcast (pattern 1): one entry per client that answered.
        """
        if self.config.pattern != 1:
            raise ConfigError("request() needs pattern 1: clients do not answer in pattern 2")
        return self._deliver(frame, message, want_replies=True)

    def _deliver(
        self, frame: np.ndarray[Any, Any], message: JSONValue, *, want_replies: bool
    ) -> list[ClientReply]:
        if self._closed:
            raise ConfigError("send() on a closed sender")
        check_message(message)
        encoded = self._encoder.encode(frame)
        if not self.broadcast:
            index = self._next_turn()
            sender = self._senders[index]
            tag = sender._submit_encoded(encoded, message)
            return [] if tag is None else [(self.ports[index], sender._answer(tag))]
        tags = [sender._submit_encoded(encoded, message) for sender in self._senders]
        if not want_replies:
            return []
        return [
            (port, sender._answer(tag))
            for port, sender, tag in zip(self.ports, self._senders, tags, strict=True)
            if tag is not None
        ]

    def _next_turn(self) -> int:
        """The next client in turn that can take a frame now, else simply the next one."""
        count = len(self._senders)
        start = self._turn
        index = next(
            (
                (start + k) % count
                for k in range(count)
                if self._senders[(start + k) % count]._can_take_now()
            ),
            start,
        )
        self._turn = (index + 1) % count
        return index

    def close(self) -> None:
        """Say goodbye to every client at once; returns within ``close_timeout``."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        closers = [
            threading.Thread(target=sender.close, name="framehub-close", daemon=True)
            for sender in self._senders
        ]
        for thread in closers:
            thread.start()
        for thread in closers:
            thread.join(self.config.close_timeout + 0.5)
