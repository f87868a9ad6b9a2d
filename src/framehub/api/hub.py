"""The receiving end: a hub that many servers stream into."""

from __future__ import annotations

import logging
import secrets
import string
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..checks import Closing
from ..codecs import FrameEncoder, JpegEncoder, RawEncoder
from ..errors import ConfigError, WireError
from ..session import Pace, ServerStatus, SessionEvent
from ..transport import Context, HubLink, HubLinkSpec, SocketDriver, default_context
from ..wire import (
    Ack,
    ArrayReply,
    ClientMessage,
    DataReply,
    JSONValue,
    encode_client_message,
)
from .config import HubConfig
from .decoding import DecodeAhead
from .frame import Frame
from .reception import Reception, reply_carries_data
from .secure import hub_security

__all__ = ["Hub"]

log = logging.getLogger(__name__)


def _encoder(config: HubConfig) -> FrameEncoder:
    if config.jpeg is None:
        return RawEncoder()
    jpeg = config.jpeg
    return JpegEncoder(jpeg.quality, jpeg.colorspace, jpeg.fastdct, jpeg.fastupsample)


class Hub(Closing):
    """Binds one socket per port and delivers frames from every server, in turn.

    Iterate it, or call ``recv()``; both end when the stream is over: every server
    seen has said goodbye (see ``ServerTable`` for the exact rule) or ``close()``
    was called. Servers take turns: each with a frame waiting gets one delivered
    per round, whatever its rate.

    Its parts, each in one place: ``Reception`` (the queue, the server table and the
    flow control, under one lock; what frames wait where), ``HubLink`` (the bound
    sockets, single-threaded) and ``SocketDriver`` (which thread drives the link: a
    caller waiting in ``recv()`` receives on its own thread, and while it is busy
    elsewhere the I/O thread takes over). How long a frame can wait, under each
    policy, is in ``session.flow``.
    """

    def __init__(self, config: HubConfig, *, context: Context[Any] | None = None) -> None:
        self.config = config
        self.id = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        self._encoder = _encoder(config)
        self._decoder = DecodeAhead(
            config.decode_workers if config.decode else 0,
            fastdct=config.fastdct,
            fastupsample=config.fastupsample,
            limits=config.limits,
        )
        self._answers_data = reply_carries_data(config)
        reply = encode_client_message(
            self._reply_message(None) if self._answers_data else Ack(self._ack_text)
        )
        self._reception = Reception(config, self._decoder, self._ack_text, reply)
        curve, access = hub_security(config.security)
        spec = HubLinkSpec(
            protocol=config.protocol,
            address=config.address,
            ports=config.sources,
            pattern=config.pattern,
            multiserver=config.multiserver,
            limits=config.limits,
            retain_frame_memory=config.retain_frame_memory,
            curve=curve,
            access=access,
        )
        context = context or default_context()
        self._driver = SocketDriver(context, self._reception.crashed)
        try:
            link = HubLink(spec, self._reception, context, self._driver.wake)
        except BaseException:
            self._driver.discard()
            raise
        self._reception.attach(self._driver, link)
        self._driver.start(link)
        log.debug("hub %s bound %s on %s", self.id, config.sources, config.address)

    @property
    def _ack_text(self) -> str:
        return f"Data received on device: {self.id} !"

    def recv(self, timeout: float | None = None) -> Frame | None:
        """The next frame; None once the stream is over or the hub is closed.

        Blocks up to ``timeout`` seconds (forever if None), then raises ``PeerTimeout``.
        A failure of the I/O thread is raised here.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            taken = self._reception.take(deadline)
            if taken is None:
                return None
            source, pending = taken
            frame = Frame(source, pending, self._decoder)
            if self.config.decode:
                try:
                    frame.image  # noqa: B018 - decode now, so corrupt frames are dropped here
                except WireError as exc:
                    self._reception.reject(source, exc)
                    continue
            return frame

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.recv()) is not None:
            yield frame

    def set_reply(self, data: JSONValue | np.ndarray[Any, Any]) -> None:
        """Bidirectional mode: the data sent back with every acknowledgement from now on.

        Any JSON value, or an ndarray (compressed like frames when ``jpeg`` is set).
        """
        if not self._answers_data:
            raise ConfigError(
                "set_reply() needs bidirectional mode (bidirectional=True) or multiclient=True"
            )
        self._reception.set_reply(encode_client_message(self._reply_message(data)))

    def _reply_message(self, data: JSONValue | np.ndarray[Any, Any]) -> ClientMessage:
        port = self.config.sources[0] if self.config.multiclient else None
        if not isinstance(data, np.ndarray):
            return DataReply(data, port=port)
        encoded = self._encoder.encode(data)
        return ArrayReply(
            encoded.payload, encoded.compression, encoded.dtype, encoded.shape, port=port
        )

    def status(self) -> tuple[ServerStatus, ...]:
        """Every server seen so far, with its state and counters."""
        return self._reception.status()

    def events(self) -> list[SessionEvent]:
        """Session events (joined, quiet, gone, returned, ended, shared) since the last call."""
        return self._reception.events()

    @property
    def rejected(self) -> int:
        """Bad messages dropped so far, on every port."""
        return self._reception.rejected

    @property
    def pace(self) -> Pace:
        """What the consumer is doing as far as the hub can tell (see ``session.flow``)."""
        return self._reception.pace

    def close(self) -> None:
        """Stop receiving and release every socket; returns within ``close_timeout``."""
        if self._reception.closed:
            return
        self._reception.close()
        self._driver.close(self.config.close_timeout)
        self._decoder.close()
