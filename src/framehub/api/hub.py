"""The receiving end: a hub that many servers stream into."""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..codecs import FrameEncoder, JpegEncoder, RawEncoder
from ..errors import ConfigError
from ..transport import (
    Context,
    HubLink,
    HubLinkSpec,
    HubSink,
    ImagezmqInlet,
    ImagezmqSpec,
    Inlet,
    LinkTap,
    PublishStats,
    Republisher,
    SocketDriver,
    default_context,
)
from ..wire import (
    Ack,
    ArrayReply,
    ClientMessage,
    DataReply,
    JSONValue,
    encode_client_message,
)
from .config import HubConfig
from .receiving import Receiving, decoder_for
from .reception import Reception, reply_carries_data
from .secure import hub_security

__all__ = ["Hub"]

log = logging.getLogger(__name__)


def _encoder(config: HubConfig) -> FrameEncoder:
    if config.jpeg is None:
        return RawEncoder()
    jpeg = config.jpeg
    return JpegEncoder(jpeg.quality, jpeg.colorspace, jpeg.fastdct, jpeg.fastupsample)


def _republisher(config: HubConfig, context: Context[Any]) -> Republisher | None:
    """The tap that republishes what the hub receives, if ``config.publish`` asks for one."""
    if config.publish is None:
        return None
    if config.security is not None:
        log.warning(
            "frames republished on %s are not encrypted: Secure Mode covers the servers' "
            "connections only",
            config.publish,
        )
    return Republisher(context, config.publish, config.publish_hwm)


def _inlets(
    config: HubConfig, sink: HubSink, context: Context[Any], taps: Sequence[LinkTap]
) -> list[Inlet]:
    """The sockets of other wires the hub takes frames on: imagezmq's, if asked;
    the link's ``taps`` see their frames too."""
    imagezmq = config.imagezmq
    if imagezmq is None:
        return []
    spec = ImagezmqSpec(
        protocol=config.protocol,
        address=config.address,
        port=None if imagezmq.port is None else str(imagezmq.port),
        connect=imagezmq.connect,
        limits=config.limits,
        reserved=frozenset(config.sources),
    )
    return [ImagezmqInlet(spec, sink, context, taps)]


class Hub(Receiving):
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
    policy, is in ``session.flow``. With ``config.publish`` set, a ``Republisher``
    taps the link and passes every valid message on to subscribers.
    """

    def __init__(self, config: HubConfig, *, context: Context[Any] | None = None) -> None:
        self.config = config
        self.id = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        self._encoder = _encoder(config)
        self._decoder = decoder_for(config)
        self._answers_data = reply_carries_data(config)
        reply = encode_client_message(
            self._reply_message(None) if self._answers_data else Ack(self._ack_text)
        )
        reception = Reception(config, self._decoder, self._ack_text, reply)
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
        driver = SocketDriver(context, reception.crashed)
        try:
            self._republisher = _republisher(config, context)
            taps = [] if self._republisher is None else [self._republisher]
            try:
                inlets = _inlets(config, reception, context, taps)
            except BaseException:
                for tap in taps:
                    tap.close()
                raise
            # The link owns the taps and inlets from here: it closes them if it fails.
            link = HubLink(spec, reception, context, driver.wake, taps, inlets)
        except BaseException:
            driver.discard()
            raise
        super().__init__(
            reception,
            self._decoder,
            driver,
            decode=config.decode,
            close_timeout=config.close_timeout,
        )
        reception.attach(driver, link)
        driver.start(link)
        log.debug("hub %s bound %s on %s", self.id, config.sources, config.address)

    @property
    def _ack_text(self) -> str:
        return f"Data received on device: {self.id} !"

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

    @property
    def publishing(self) -> PublishStats | None:
        """The republishing socket's subscribers and frames (``config.publish``), or None."""
        return None if self._republisher is None else self._republisher.stats()
