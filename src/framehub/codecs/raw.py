"""Raw frames: the C-contiguous bytes of the array, described by dtype and shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..wire import Compression
from .base import EncodedFrame


class RawEncoder:
    """Sends the frame's own buffer (no copy for frames that are already C-contiguous)."""

    @property
    def compression(self) -> Compression | None:
        return None

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        frame = np.ascontiguousarray(frame)
        return EncodedFrame(
            payload=memoryview(frame).cast("B"),
            compression=None,
            dtype=str(frame.dtype),
            shape=frame.shape,
        )
