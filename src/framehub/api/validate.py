"""Checks on what the caller hands over, made before anything is sent."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ..wire import RAW_DTYPES, JSONValue

__all__ = ["check_frame", "check_message"]


def check_frame(frame: object, *, name: str = "frame") -> np.ndarray[Any, Any]:
    if not isinstance(frame, np.ndarray):
        raise ConfigError(f"{name} must be a numpy.ndarray, got {type(frame).__name__}")
    if frame.size == 0:
        raise ConfigError(f"{name} must not be empty, got shape {frame.shape}")
    if str(frame.dtype) not in RAW_DTYPES:
        raise ConfigError(f"{name} dtype must be one of {sorted(RAW_DTYPES)}, got {frame.dtype}")
    if not 1 <= frame.ndim <= 4:
        raise ConfigError(f"{name} must have 1 to 4 dimensions, got shape {frame.shape}")
    return frame


def check_message(message: object) -> JSONValue:
    """A message may be any JSON value; vidgear drops ndarrays silently, we refuse them.

    Other values JSON cannot carry are refused when the header is encoded.
    """
    if isinstance(message, np.ndarray):
        raise ConfigError(
            "message may be any JSON value (str, int, float, bool, None, list, dict) "
            "but not a numpy.ndarray; send arrays as the frame"
        )
    return message
