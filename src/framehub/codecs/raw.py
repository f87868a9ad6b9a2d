"""Raw frames: the C-contiguous bytes of the array, described by dtype and shape."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..wire import DEFAULT_LIMITS, RAW_DTYPES, Compression
from .base import EncodedFrame, check_frame


@lru_cache(maxsize=64)
def dtype_name(dtype: np.dtype[Any]) -> str:
    """``str(dtype)``, which numpy computes afresh each time (about 10 us, per frame)."""
    return str(dtype)


class RawEncoder:
    """Sends the frame's own buffer (no copy for frames that are already C-contiguous)."""

    @property
    def compression(self) -> Compression | None:
        return None

    def check(self, frame: np.ndarray[Any, Any]) -> None:
        self._dtype(frame)

    def _dtype(self, frame: np.ndarray[Any, Any]) -> str:
        # A receiver drops what it cannot rebuild exactly, so refuse it here, before sending.
        check_frame(frame)
        dtype = dtype_name(frame.dtype)
        if dtype not in RAW_DTYPES:
            raise ConfigError(
                f"frame dtype must be one of {sorted(RAW_DTYPES)} (native byte order), "
                f"got {frame.dtype}"
            )
        if not 1 <= frame.ndim <= DEFAULT_LIMITS.max_ndim or frame.size == 0:
            raise ConfigError(
                f"frame must have 1 to {DEFAULT_LIMITS.max_ndim} dimensions and no empty "
                f"one, got shape {frame.shape}"
            )
        return dtype

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        dtype = self._dtype(frame)
        frame = np.ascontiguousarray(frame)
        return EncodedFrame(
            payload=frame.data.cast("B"),
            compression=None,
            dtype=dtype,
            shape=frame.shape,
        )
