"""A sender's side of H.264: which hub it may go to, and keyframes when asked.

H.264 is sent only to a hub that said it is framehub (SPEC 8): a vidgear client
cannot decode it. In patterns 0 and 1, ``H264Sending`` sends frames as JPEG, each
asking the hub to say what it is (``FramePacket.probe``), until the first
acknowledgement answers; a framehub hub's says so (``Ack.hub``), and H.264 follows
from the next frame, a keyframe. Any other acknowledgement (vidgear's plain
string) makes the next ``send()`` raise ``ConfigError`` naming the problem, so
no H.264 frame ever reaches that hub. In pattern 2 no hub answers: the caller
asking for H.264 is taken at its word (the hub recovers from the periodic
keyframes). After a lost connection the sender asks again: a restarted hub may be
another program.

A framehub hub asks for a keyframe in its acknowledgement when its decoder needs
one (``Ack.keyframe``): the next frame is one.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..codecs import EncodedFrame, JpegEncoder
from ..codecs.h264 import H264Encoder
from ..errors import ConfigError
from ..wire import Ack, Compression
from .config import SenderConfig

__all__ = ["H264Sending"]

log = logging.getLogger(__name__)


class H264Sending:
    """A ``FrameEncoder`` for an H.264 sender, fed the hub's acknowledgements."""

    def __init__(self, config: SenderConfig, where: str) -> None:
        h264 = config.effective_h264
        self._h264 = H264Encoder(
            h264.bitrate, h264.gop, h264.encoder, preset=h264.preset, chroma=h264.chroma
        )
        jpeg = config.effective_jpeg
        self._probe = JpegEncoder(jpeg.quality, "BGR", jpeg.fastdct, jpeg.fastupsample)
        self._asks = config.pattern != 2
        self._where = where
        #: Whether the hub said it is framehub: None until it answers (patterns 0/1).
        self.framehub: bool | None = None if self._asks else True

    @property
    def compression(self) -> Compression | None:
        return None

    @property
    def probing(self) -> bool:
        """Whether the next frame goes as JPEG, asking the hub what it is."""
        return self.framehub is None

    def check(self, frame: np.ndarray[Any, Any]) -> None:
        self._h264.check(frame)

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        if self.framehub is False:
            raise ConfigError(
                f"the hub at {self._where} is not a framehub hub (it answered like vidgear, "
                "which cannot decode H.264): use codec='jpeg' or 'raw' with this hub"
            )
        if self.framehub is None:
            return self._probe.encode(frame)
        return self._h264.encode(frame)

    def acknowledged(self, ack: Ack) -> None:
        """What the hub answered to one of this sender's frames."""
        if self.framehub is None:
            self.framehub = ack.hub
            if ack.hub:
                self._h264.request_keyframe()
                log.info("the hub at %s is framehub: sending H.264", self._where)
            else:
                log.error("the hub at %s cannot take H.264 (not a framehub hub)", self._where)
        elif not ack.hub and self._asks:
            self.framehub = False
        if ack.keyframe:
            self._h264.request_keyframe()

    def reconnected(self) -> None:
        """The connection was lost: ask the hub (perhaps another one) again."""
        if self._asks:
            self.framehub = None
