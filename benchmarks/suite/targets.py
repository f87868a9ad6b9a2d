"""The issue's performance targets, each checked on the cells it is set on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .cells import CROWD_RATE, CROWD_SERVERS, LATENCY_RATE, LATENCY_SERVERS, Cell
from .peers import BASELINE
from .summary import Summary

__all__ = ["TARGETS", "Outcome", "Target", "check"]


@dataclass(frozen=True, slots=True)
class Target:
    """``metric`` of framehub (divided by ``versus``'s, when set) must be ``at_least``
    or ``at_most`` ``bound`` on every cell ``applies`` picks."""

    name: str
    metric: str
    bound: float
    at_least: bool
    applies: Callable[[Cell], bool]
    versus: str | None = None

    @property
    def rule(self) -> str:
        side = "≥" if self.at_least else "≤"
        if self.versus:
            return f"{self.metric} {side} {self.bound:g} x {self.versus}"
        return f"{self.metric} {side} {self.bound:g}"


@dataclass(frozen=True, slots=True)
class Outcome:
    target: Target
    cell: Cell
    #: framehub's value, or its ratio to ``versus``; None when a side has no number.
    value: float | None

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        t = self.target
        return self.value >= t.bound if t.at_least else self.value <= t.bound


def _throughput(cell: Cell) -> bool:
    return cell.kind == "throughput"


def _latency_cell(servers: int, rate: float, codec: str, size: str) -> Callable[[Cell], bool]:
    def applies(cell: Cell) -> bool:
        return cell.kind == "latency" and (cell.servers, cell.rate, cell.codec, cell.size) == (
            servers,
            rate,
            codec,
            size,
        )

    return applies


def _slow_cell(pattern: int, codec: str) -> Callable[[Cell], bool]:
    def applies(cell: Cell) -> bool:
        return cell.kind == "slow" and (cell.pattern, cell.codec) == (pattern, codec)

    return applies


TARGETS = (
    Target("frames/s vs vidgear", "fps", 1.3, True, _throughput, "vidgear"),
    Target("frames/s vs imagezmq", "fps", 1.1, True, _throughput, "imagezmq"),
    Target(
        "raw frames/s vs pyzmq",
        "fps",
        0.85,
        True,
        lambda c: _throughput(c) and c.codec == "raw",
        "pyzmq",
    ),
    Target(
        "client CPU/frame vs vidgear",
        "cpu_ms_per_frame",
        0.3,
        False,
        lambda c: c.kind in ("throughput", "latency"),
        "vidgear",
    ),
    # "~0%": one percent of a core is what a 0.25 s housekeeping tick may cost.
    Target("idle client CPU %", "cpu_percent", 1.0, False, lambda c: c.kind == "idle"),
    Target(
        "p99 ms, raw 640x480, 4x30fps",
        "p99",
        2.0,
        False,
        _latency_cell(LATENCY_SERVERS, LATENCY_RATE, "raw", "640x480"),
    ),
    Target(
        "p99 ms, JPEG 1280x720, 4x30fps",
        "p99",
        15.0,
        False,
        _latency_cell(LATENCY_SERVERS, LATENCY_RATE, "jpeg", "1280x720"),
    ),
    Target(
        "fairness, JPEG 640x480, 32x15fps",
        "fairness",
        0.8,
        True,
        _latency_cell(CROWD_SERVERS, CROWD_RATE, "jpeg", "640x480"),
    ),
    # A consumer slower than its cameras, start-up included. Pattern 2's default policy
    # drops stale frames ("latest"): a frame need be no older than about a server's
    # period plus its wait for its turn. Pattern 1's ("lossless") must drop none, and
    # then holds one frame at the hub and one in send() a server: two consumer rounds
    # (4 servers x 40 ms x 2 = 320 ms).
    Target("p99 ms, slow, p2 (latest), raw", "p99", 100.0, False, _slow_cell(2, "raw")),
    Target("p99 ms, slow, p1 (lossless), raw", "p99", 400.0, False, _slow_cell(1, "raw")),
    Target("frames lost, slow, p1 (lossless), raw", "lost", 0.0, False, _slow_cell(1, "raw")),
    # Start-up included: a user's first second counts as much as any other.
    Target(
        "run p99 ms, JPEG 640x480, 32x15fps",
        "run_p99",
        30.0,
        False,
        _latency_cell(CROWD_SERVERS, CROWD_RATE, "jpeg", "640x480"),
    ),
)


def _value(target: Target, peers: Mapping[str, Summary]) -> float | None:
    ours = peers.get(BASELINE)
    mine = ours.median.get(target.metric) if ours else None
    if mine is None or target.versus is None:
        return mine
    other = peers.get(target.versus)
    theirs = other.median.get(target.metric) if other else None
    return None if not theirs else mine / theirs


def check(table: Mapping[Cell, Mapping[str, Summary]]) -> list[Outcome]:
    """Every target on every cell it applies to, in table order."""
    return [
        Outcome(target, cell, _value(target, peers))
        for cell, peers in table.items()
        for target in TARGETS
        if target.applies(cell)
    ]
