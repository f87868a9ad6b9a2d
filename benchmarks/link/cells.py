"""What the link benchmark measures: cameras x frame size x link rate x codec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CODECS", "FILTER_KEYS", "Cell", "Codec", "plan", "selected"]


@dataclass(frozen=True, slots=True)
class Codec:
    """How a camera compresses: ``kind`` raw, jpeg or h264, with its settings (x264's
    ``preset`` and the ``chroma`` sampling for H.264)."""

    name: str
    kind: str
    quality: int = 0
    bitrate: int = 0
    preset: str = "ultrafast"
    chroma: str = "4:2:0"


CODECS: dict[str, Codec] = {
    c.name: c
    for c in (
        Codec("raw", "raw"),
        Codec("jpeg90", "jpeg", quality=90),
        Codec("jpeg70", "jpeg", quality=70),
        Codec("h264-1M", "h264", bitrate=1_000_000),
        Codec("h264-2M", "h264", bitrate=2_000_000),
        # Colour detail at full resolution and a slower preset: what 35 dB costs.
        Codec("h264-2M-444", "h264", bitrate=2_000_000, preset="superfast", chroma="4:4:4"),
    )
}

#: The camera groups the issue sets: (cameras, (width, height), fps, link Mbit/s).
_GROUPS = (
    (8, (640, 480), 30, 20),
    (8, (640, 480), 30, 100),
    (4, (1280, 720), 30, 20),
)
FILTER_KEYS = ("cameras", "size", "link", "codec", "pattern")


@dataclass(frozen=True, slots=True)
class Cell:
    cameras: int
    width: int
    height: int
    fps: int
    link_mbit: int
    codec: str
    #: The hub's pattern: 1 (REQ/REP, policy lossless) or 2 (PUB/SUB, policy latest).
    pattern: int = 1

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def rate(self) -> int:
        """The link's rate in bits/s."""
        return self.link_mbit * 1_000_000

    @property
    def key(self) -> str:
        return (
            f"cameras={self.cameras} size={self.width}x{self.height} "
            f"link={self.link_mbit} codec={self.codec} pattern={self.pattern}"
        )

    @property
    def group(self) -> str:
        return (
            f"{self.cameras}x{self.width}x{self.height}@{self.fps}"
            f" over {self.link_mbit} Mbit/s, p{self.pattern}"
        )

    def fields(self) -> dict[str, str]:
        return {
            "cameras": str(self.cameras),
            "size": f"{self.width}x{self.height}",
            "link": str(self.link_mbit),
            "codec": self.codec,
            "pattern": str(self.pattern),
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cell:
        return cls(**data)


def plan(patterns: tuple[int, ...] = (1,)) -> list[Cell]:
    """Grouped by link, so that the shaper changes as seldom as possible."""
    return [
        Cell(cameras, width, height, fps, mbit, codec, pattern)
        for cameras, (width, height), fps, mbit in _GROUPS
        for pattern in patterns
        for codec in CODECS
    ]


def selected(cell: Cell, filters: Mapping[str, set[str]]) -> bool:
    fields = cell.fields()
    return all(fields[key] in values for key, values in filters.items())
