"""Checks on what the caller hands over, made before anything is sent.

Frames are checked by the codec that encodes them.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

__all__ = ["check_message"]


def check_message(message: object) -> None:
    """A message may be any JSON value; vidgear drops ndarrays silently, we refuse them.

    Other values JSON cannot carry are refused when the header is encoded.
    """
    if isinstance(message, np.ndarray):
        raise ConfigError(
            "message may be any JSON value (str, int, float, bool, None, list, dict) "
            "but not a numpy.ndarray; send arrays as the frame"
        )
