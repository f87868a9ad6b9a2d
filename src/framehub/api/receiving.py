"""What every receiving end gives its consumer: a ``Hub``, a ``Subscriber``."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..checks import Closing
from ..errors import WireError
from ..session import Pace, ServerStatus, SessionEvent
from ..transport import SocketDriver
from .config import HubConfig, SubscriberConfig
from .decoding import DecodeAhead
from .frame import Frame
from .reception import Reception

__all__ = ["Receiving", "decoder_for"]


def decoder_for(config: HubConfig | SubscriberConfig) -> DecodeAhead:
    """The decoding a receiving end's configuration asks for (no workers without decoding)."""
    return DecodeAhead(
        config.decode_workers if config.decode else 0,
        fastdct=config.fastdct,
        fastupsample=config.fastupsample,
        limits=config.limits,
    )


class Receiving(Closing):
    """Frames from every server in turn, their status and events, over a ``Reception``
    fed by a link that ``driver`` drives (the subclass makes them, then calls this)."""

    def __init__(
        self,
        reception: Reception,
        decoder: DecodeAhead,
        driver: SocketDriver,
        *,
        decode: bool,
        close_timeout: float,
    ) -> None:
        self._reception = reception
        self._decoder = decoder
        self._driver = driver
        self._decode = decode
        self._close_timeout = close_timeout

    def recv(self, timeout: float | None = None) -> Frame | None:
        """The next frame; None once the stream is over or this end is closed.

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
            # An H.264 frame is decoded by its lane whatever ``decode`` says: wait for it,
            # so that one that did not decode is dropped here too.
            if self._decode or pending.ordered:
                try:
                    frame.image  # noqa: B018 - decode now, so corrupt frames are dropped here
                except WireError as exc:
                    self._reception.reject(source, exc)
                    continue
            return frame

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.recv()) is not None:
            yield frame

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
        self._driver.close(self._close_timeout)
        self._decoder.close()
