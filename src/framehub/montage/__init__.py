"""Montages of many servers' frames: imutils' ``build_montages`` and a live, labelled one."""

from __future__ import annotations

from .classic import build_montages
from .layout import MontageLayout, shell_position
from .live import LiveMontage, TileInfo

__all__ = ["LiveMontage", "MontageLayout", "TileInfo", "build_montages", "shell_position"]
