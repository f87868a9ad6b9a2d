"""The issue's targets for the link: set on one camera group, checked for every codec
in it (H.264 must meet them; JPEG q90 is shown beside it, expected to fall short)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .cells import Cell

__all__ = ["TARGETS", "Target", "metric"]

#: The group the targets are set on: 8 x 30 fps 640x480 over 20 Mbit/s.
_GROUP = (8, 640, 480, 20)


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    rule: str
    bound: float
    #: True: the value must be at least ``bound``; False: at most.
    floor: bool

    def met_by(self, value: float) -> bool:
        return value >= self.bound if self.floor else value <= self.bound

    def applies(self, cell: Cell) -> bool:
        return (cell.cameras, cell.width, cell.height, cell.link_mbit) == _GROUP


TARGETS = (
    Target("delivered_ratio", ">= 95% of frames due", 0.95, floor=True),
    Target("p99", "p99 age <= 150 ms", 150.0, floor=False),
    Target("psnr", "PSNR >= 35 dB", 35.0, floor=True),
)


def metric(result: Mapping[str, Any], name: str) -> float | None:
    """One number of a run's result by the name the targets and columns use."""
    if name in ("p50", "p99"):
        value = result.get("age_ms", {}).get(name)
    elif name == "psnr":
        psnr = result.get("psnr_db", {})
        lossless = psnr.get("frames") and psnr.get("lossless") == psnr.get("frames")
        value = float("inf") if lossless else psnr.get("mean")
    else:
        value = result.get(name)
    return None if value is None else float(value)
