"""What is measured: one ``Cell`` per configuration, the plans that list them, and filters.

Four kinds of cell. ``throughput``: every server sends as fast as it can and the
client counts frames. ``latency``: every server sends at a fixed rate and the
client records each frame's age when recv() returns. ``slow``: every server sends
at a fixed rate to a client that spends a fixed time on each frame (a detector, a
display) and takes fewer than are offered; each frame's age and the frames lost are
counted over the whole run. ``idle``: a client that binds its ports and waits in
recv() with no server at all, for its CPU use.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = [
    "FILTER_KEYS",
    "SIZES",
    "SLOW_CELLS",
    "Cell",
    "Timing",
    "parse_filters",
    "plan",
    "selected",
    "timing",
]

Kind = Literal["throughput", "latency", "slow", "idle"]

SIZES: dict[str, tuple[int, int]] = {
    "640x480": (640, 480),
    "1280x720": (1280, 720),
    "1920x1080": (1920, 1080),
}
PATTERNS = (1, 2)
CODECS = ("raw", "jpeg")
SERVERS = (2, 8, 32)
#: The issue's latency targets are set at 4 servers x 30 fps ...
LATENCY_SERVERS = 4
LATENCY_RATE = 30.0
#: ... and its fairness target at 32 servers x 15 fps of 640x480 JPEG.
CROWD_SERVERS = 32
CROWD_RATE = 15.0
#: Slow consumers: (codec, size, servers, frames/s each, ms the client spends per frame).
#: The first takes 25 of the 120 frames/s offered, the second 10 of 120.
SLOW_CELLS: tuple[tuple[str, str, int, float, float], ...] = (
    ("raw", "640x480", 4, 30.0, 40.0),
    ("jpeg", "1280x720", 8, 15.0, 100.0),
)
#: Ports an idle client binds: a middling deployment.
IDLE_PORTS = 8

FILTER_KEYS = ("kind", "pattern", "codec", "size", "servers", "peer")


@dataclass(frozen=True, slots=True)
class Cell:
    kind: Kind
    pattern: int
    codec: str
    size: str
    servers: int
    #: Frames/s each server sends (latency and slow cells); None: as fast as it can.
    rate: float | None = None
    #: Milliseconds the client spends on each frame after recv() returns (slow cells).
    consume_ms: float | None = None

    @property
    def jpeg(self) -> bool:
        return self.codec == "jpeg"

    @property
    def resolution(self) -> tuple[int, int]:
        return SIZES[self.size]

    @property
    def label(self) -> str:
        """The configuration, without the kind: ``p1 jpeg 1280x720 x8``."""
        if self.kind == "idle":
            return f"p{self.pattern} {self.servers} ports, no server"
        rate = f"@{self.rate:g}fps" if self.rate else ""
        consumer = f" {self.consume_ms:g}ms/frame" if self.consume_ms else ""
        return f"p{self.pattern} {self.codec:<4} {self.size:>9} x{self.servers}{rate}{consumer}"

    @property
    def key(self) -> str:
        return f"{self.kind} {self.label}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cell:
        return cls(**data)

    @property
    def consume_s(self) -> float:
        return (self.consume_ms or 0.0) / 1000.0


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds per run: at most ``startup`` until every server has been heard from, then
    ``warmup`` unmeasured, then the measured ``window``. A slow cell has neither: its
    window starts with the first frame received."""

    startup: float
    warmup: float
    window: float

    @property
    def bound(self) -> float:
        """How long a run may take before it is killed as hung."""
        return self.startup + self.warmup + 2 * self.window + 10.0


def timing(cell: Cell, quick: bool) -> Timing:
    # Windows are short on purpose: a shared machine's noise comes in bursts of
    # seconds, which longer windows do not average out but repeats (--repeat) and
    # --settle do. 32 flat-out servers starve the client of CPU on 2 cores, so the
    # last of them may be heard from only seconds after the first (median 4 s, in
    # a loaded full run): past 4 s it is measured anyway, and shows as unfair.
    crowd = cell.servers >= 32
    startup = 4.0 if crowd else 3.0
    if cell.kind == "idle":
        return Timing(0.0, 0.3, 1.5 if quick else 2.5)
    if cell.kind == "slow":
        # Start-up is part of what is measured, and must not be most of it: a few
        # seconds of steady state after it (the slowest takes 10 frames/s).
        return Timing(startup, 0.0, 5.0 if quick else 7.0)
    if cell.kind == "latency":
        # p99 of 4 servers x 30 fps wants a few hundred samples: 3 s gives 360.
        return Timing(startup, 0.5 if quick else 0.75, 1.5 if quick else 3.0)
    window = 1.0 if quick else 1.25
    return Timing(startup, 0.5 if quick else 0.75, 1.6 * window if crowd else window)


def _throughput(
    patterns: Iterable[int], codecs: Iterable[str], sizes: Iterable[str], servers: Iterable[int]
) -> list[Cell]:
    return [
        Cell("throughput", p, c, s, n)
        for p, c, s, n in itertools.product(patterns, codecs, sizes, servers)
    ]


def _latency(cells: Iterable[tuple[int, str, str, int, float]]) -> list[Cell]:
    return [Cell("latency", p, c, s, n, rate) for p, c, s, n, rate in cells]


def _target_latency(patterns: Iterable[int]) -> list[tuple[int, str, str, int, float]]:
    """The cells the issue's latency and fairness targets are set on."""
    return [
        cell
        for p in patterns
        for cell in (
            (p, "raw", "640x480", LATENCY_SERVERS, LATENCY_RATE),
            (p, "jpeg", "1280x720", LATENCY_SERVERS, LATENCY_RATE),
            (p, "jpeg", "640x480", CROWD_SERVERS, CROWD_RATE),
        )
    ]


def _slow(patterns: Iterable[int]) -> list[Cell]:
    return [
        Cell("slow", p, codec, size, servers, rate, consume_ms)
        for p in patterns
        for codec, size, servers, rate, consume_ms in SLOW_CELLS
    ]


def plan(quick: bool) -> list[Cell]:
    """Every cell of the quick or the full run, in the order they are run."""
    if quick:
        return [
            *_throughput([1], ["raw"], ["640x480"], [2]),
            *_throughput([2], ["jpeg"], ["1280x720"], [8]),
            *_latency(_target_latency([1])),
            # Both patterns: each has its own default policy for a consumer that is behind.
            *_slow(PATTERNS),
            Cell("idle", 1, "raw", "640x480", IDLE_PORTS),
        ]
    return [
        *_throughput(PATTERNS, CODECS, SIZES, SERVERS),
        *_latency(_target_latency(PATTERNS)),
        *_slow(PATTERNS),
        *[Cell("idle", p, "raw", "640x480", IDLE_PORTS) for p in PATTERNS],
    ]


def parse_filters(items: Iterable[str], keys: Sequence[str] = FILTER_KEYS) -> dict[str, set[str]]:
    """``["peer=framehub,vidgear", "size=640x480"]`` to ``{"peer": {...}, "size": {...}}``."""
    filters: dict[str, set[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or key not in keys or not values:
            raise ValueError(
                f"--only takes KEY=VALUE[,VALUE...] with KEY one of {tuple(keys)}, got {item!r}"
            )
        filters.setdefault(key, set()).update(v.strip() for v in values.split(","))
    return filters


def selected(cell: Cell, filters: Mapping[str, set[str]]) -> bool:
    values = {
        "kind": cell.kind,
        "pattern": str(cell.pattern),
        "codec": cell.codec,
        "size": cell.size,
        "servers": str(cell.servers),
    }
    return all(values[key] in wanted for key, wanted in filters.items() if key in values)
