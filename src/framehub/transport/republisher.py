"""A hub's XPUB socket: what its servers send, passed on to subscribers elsewhere.

It is a tap on the hub's link (``HubLink`` calls it on the thread that drives the
link), so it never has a thread of its own. Each valid message goes out as the
ZeroMQ frames it arrived in (an imagezmq sender's, as a NetGear header before its
payload), behind a topic (see ``wire.relay``): libzmq hands
the same buffer to every subscriber, so a subscriber costs the hub no copy and no
Python work, only libzmq's own sending.

Each subscriber has its own queue of ``hwm`` messages inside libzmq; one that
stops reading finds it full, and the frames meant for it are dropped there
(``XPUB_NODROP`` is off) while the hub and every other subscriber go on. libzmq
does not tell anyone about those drops: the subscriber counts them, from the
hub's frame numbers. The hub counts its subscribers from their subscriptions
(``XPUB_VERBOSER`` passes every subscribe and unsubscribe on).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import zmq

from ..wire import (
    EVERY_CAMERA,
    SUBSCRIBER_MARK,
    ConnectionNote,
    EndOfStream,
    FramePacket,
    NoteKind,
    Payload,
    ServerMessage,
    encode_note,
    relay_topics,
)
from .monitor import PeerEvent, PeerEventKind
from .sockets import LinkOptions, open_socket, send_parts

__all__ = ["PublishStats", "Republisher"]

log = logging.getLogger(__name__)

_NOTES = {PeerEventKind.OPENED: NoteKind.OPENED, PeerEventKind.CLOSED: NoteKind.CLOSED}
#: Subscription messages read per tick at most (each is a few bytes).
_SUBSCRIPTIONS_PER_TICK = 1024
#: All a subscriber ever sends are subscriptions, a topic key each: a peer sending
#: more is cut off by libzmq (MAXMSGSIZE) before its bytes are buffered.
_MAX_SUBSCRIPTION_BYTES = 1024


@dataclass(frozen=True, slots=True)
class PublishStats:
    """What a publishing hub has done so far.

    ``subscribers``: framehub subscribers connected now; ``everything``: subscriptions
    to every camera now (framehub's and plain ZeroMQ SUB sockets' that subscribe to
    ``b""``); ``frames``: frames published (each once, whoever takes it).
    """

    endpoint: str
    subscribers: int
    everything: int
    frames: int


class Republisher:
    """Binds ``where`` at construction (errors raise in the caller's thread)."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], where: str, hwm: int) -> None:
        self.endpoint = where
        self._sock = open_socket(
            context,
            zmq.XPUB,
            bind=where,
            options=LinkOptions(
                sndhwm=hwm, xpub_verboser=True, max_message_bytes=_MAX_SUBSCRIPTION_BYTES
            ),
        )
        #: The hub's number of the next frame of each server.
        self._numbers: Counter[str] = Counter()
        #: The last name each server gave, so its notes reach its name's subscribers.
        self._names: dict[str, str | None] = {}
        self._subscriptions: Counter[bytes] = Counter()
        self._frames = 0

    def received(
        self, source: str, parts: Sequence[Payload | zmq.Frame], message: ServerMessage
    ) -> None:
        """Publish a valid message of ``source``, in the parts it came in."""
        number = None
        if isinstance(message, FramePacket):
            self._names[source] = message.name
            number = self._numbers[source]
            self._numbers[source] += 1
            self._frames += 1
        elif isinstance(message, EndOfStream):
            self._numbers.pop(source, None)
        for topic in relay_topics(source, self._names.get(source), number):
            self._send([topic, *parts])

    def peer(self, source: str, event: PeerEvent) -> None:
        """Pass on a connection opened or closed on ``source``'s port."""
        kind = _NOTES.get(event.kind)
        if kind is None:
            return
        note = encode_note(ConnectionNote(kind, event.connection))
        for topic in relay_topics(source, self._names.get(source), None):
            self._send([topic, note])

    def _send(self, parts: list[Payload | zmq.Frame]) -> None:
        try:
            send_parts(self._sock, parts, copy=False)
        except zmq.Again:  # only with XPUB_NODROP, which stays off; never wait
            log.debug("a relayed message was dropped")

    def tick(self, now: float) -> None:
        """Read the subscriptions that came in since the last tick."""
        for _ in range(_SUBSCRIPTIONS_PER_TICK):
            try:
                event = self._sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if not event:
                continue
            topic = event[1:]
            self._subscriptions[topic] += 1 if event[0] == 1 else -1
            if self._subscriptions[topic] <= 0:
                del self._subscriptions[topic]

    def stats(self) -> PublishStats:
        every = self._subscriptions[b""] + self._subscriptions[EVERY_CAMERA]
        return PublishStats(
            self.endpoint, self._subscriptions[SUBSCRIBER_MARK], every, self._frames
        )

    def close(self) -> None:
        self._sock.close(linger=0)
