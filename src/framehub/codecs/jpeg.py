"""JPEG frames through simplejpeg (libjpeg-turbo), encoded exactly as vidgear does."""

from __future__ import annotations

from typing import Any

import numpy as np
import simplejpeg

from ..errors import ConfigError
from ..wire import JPEG_COLORSPACES, Compression
from .base import EncodedFrame, check_frame

# Channels simplejpeg expects for each input colourspace.
_CHANNELS = {"GRAY": 1, "RGB": 3, "BGR": 3, "CMYK": 4}
# libjpeg-turbo's largest image side (JPEG_MAX_DIMENSION).
_MAX_SIDE = 65500


class JpegEncoder:
    """Encodes with 4:2:2 chroma subsampling for colour (vidgear's choice) and none for GRAY."""

    def __init__(
        self,
        quality: int = 90,
        colorspace: str = "BGR",
        fastdct: bool = True,
        fastupsample: bool = False,
    ) -> None:
        if not isinstance(colorspace, str) or colorspace not in JPEG_COLORSPACES:
            raise ConfigError(
                f"jpeg colorspace must be one of {sorted(JPEG_COLORSPACES)}, got {colorspace!r}"
            )
        if isinstance(quality, bool) or not isinstance(quality, int) or not 10 <= quality <= 100:
            raise ConfigError(f"jpeg quality must be an integer from 10 to 100, got {quality!r}")
        for name, flag in (("fastdct", fastdct), ("fastupsample", fastupsample)):
            # The header carries these as JSON booleans; anything else is rejected on receipt.
            if not isinstance(flag, bool):
                raise ConfigError(f"jpeg {name} must be True or False, got {flag!r}")
        self.quality = quality
        self._compression = Compression(colorspace, fastdct, fastupsample)

    @property
    def compression(self) -> Compression | None:
        return self._compression

    def check(self, frame: np.ndarray[Any, Any]) -> None:
        self._layout(frame)

    def _layout(self, frame: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The frame as simplejpeg takes it (grayscale gets its channel axis)."""
        colorspace = self._compression.colorspace
        check_frame(frame)
        if frame.dtype != np.uint8:
            raise ConfigError(f"JPEG compression needs uint8 frames, got dtype {frame.dtype}")
        if frame.ndim == 2:
            frame = frame[:, :, np.newaxis]
        expected = _CHANNELS.get(colorspace, 4)
        if frame.ndim != 3 or frame.shape[2] != expected:
            raise ConfigError(
                f"JPEG colorspace {colorspace} needs frames of shape (h, w, {expected}), "
                f"got {frame.shape}"
            )
        if not (0 < frame.shape[0] <= _MAX_SIDE and 0 < frame.shape[1] <= _MAX_SIDE):
            raise ConfigError(
                f"JPEG frames need a height and width from 1 to {_MAX_SIDE}, got {frame.shape}"
            )
        return frame

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        colorspace = self._compression.colorspace
        frame = np.ascontiguousarray(self._layout(frame))
        options: dict[str, Any] = {} if colorspace == "GRAY" else {"colorsubsampling": "422"}
        payload = simplejpeg.encode_jpeg(
            frame,
            quality=self.quality,
            colorspace=colorspace,
            fastdct=self._compression.fastdct,
            **options,
        )
        return EncodedFrame(payload=payload, compression=self._compression)
