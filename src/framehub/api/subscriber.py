"""The far end of a publishing hub: frames of chosen cameras, from one hub or several."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..transport import Context, SocketDriver, SubscriberLink, SubscriberLinkSpec, default_context
from ..wire import EVERY_CAMERA, camera_subscription
from .config import SubscriberConfig
from .receiving import Receiving, decoder_for
from .reception import Reception

__all__ = ["Subscriber"]

log = logging.getLogger(__name__)


def _topics(cameras: tuple[str, ...] | None) -> tuple[bytes, ...]:
    if cameras is None:
        return (EVERY_CAMERA,)
    return tuple(topic for camera in cameras for topic in camera_subscription(camera))


class Subscriber(Receiving):
    """Takes the frames that hubs republish, as a ``Hub`` takes its servers'.

    ``Subscriber(["tcp://hub1:5600", "tcp://hub2:5600"], cameras=["door", "yard"])``,
    or ``Subscriber(config=SubscriberConfig(...))``. The same ``Frame``s, ``status()``,
    ``events()``, policies and freshness as a ``Hub`` (it is one, fed by SUB sockets:
    see ``transport.subscriber_link``); ``Frame.seq`` is the hub's number of the frame,
    and ``dropped`` in ``status()`` counts the frames of that camera the hub received
    and this subscriber did not deliver (lost behind its high-water mark, or left
    behind by the "latest" policy). A camera's id is described in ``SubscriberConfig``.
    """

    def __init__(
        self,
        hubs: Sequence[str] | None = None,
        cameras: Sequence[str] | None = None,
        *,
        config: SubscriberConfig | None = None,
        context: Context[Any] | None = None,
    ) -> None:
        if config is None:
            config = SubscriberConfig(
                hubs=tuple(hubs or ()), cameras=None if cameras is None else tuple(cameras)
            )
        elif hubs is not None or cameras is not None:
            raise TypeError("give either hubs and cameras, or config, not both")
        self.config = config
        decoder = decoder_for(config)
        reception = Reception(config, decoder, "", [])
        spec = SubscriberLinkSpec(
            hubs=config.hubs,
            labels=config.labels,
            topics=_topics(config.cameras),
            limits=config.limits,
            rcvhwm=config.rcvhwm,
        )
        context = context or default_context()
        driver = SocketDriver(context, reception.crashed)
        try:
            link = SubscriberLink(spec, reception, context, driver.wake)
        except BaseException:
            driver.discard()
            decoder.close()
            raise
        super().__init__(
            reception, decoder, driver, decode=config.decode, close_timeout=config.close_timeout
        )
        reception.attach(driver, link)
        driver.start(link)
        log.debug("subscribed to %s for %s", config.hubs, config.cameras or "every camera")
