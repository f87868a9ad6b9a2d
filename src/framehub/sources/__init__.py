"""Video sources with vidgear's start/read/stop API, and a generated test pattern."""

from __future__ import annotations

from .base import FrameSource
from .camgear import CamGear
from .pigear import PiGear
from .stabilizer import Stabilizer, StabilizerMode
from .testpattern import TestPattern, render_cycle
from .videogear import Backend, VideoGear

__all__ = [
    "Backend",
    "CamGear",
    "FrameSource",
    "PiGear",
    "Stabilizer",
    "StabilizerMode",
    "TestPattern",
    "VideoGear",
    "render_cycle",
]
