"""From runs to numbers: each (cell, peer) reduced to the median of its runs' metrics."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .cells import Cell

__all__ = ["Summary", "metrics_of", "summarise"]

Record = Mapping[str, Any]


def metrics_of(cell: Cell, result: Mapping[str, Any]) -> dict[str, float]:
    """The comparable numbers of one run, flat; absent where a run does not have them."""
    out: dict[str, float] = {}
    for name in (
        "fps",
        "fairness",
        "cpu_ms_per_frame",
        "servers_cpu_ms_per_frame",
        "cpu_percent",
        "client_peak_mb",
        "others_cores",
        "lost",
    ):
        if result.get(name) is not None:
            out[name] = float(result[name])
    latency = result.get("latency_ms")
    if latency:
        out["p50"], out["p99"] = float(latency["p50"]), float(latency["p99"])
        out["max"] = float(latency["max"])
    # Ages from the first frame received on, start-up and warm-up included.
    whole = result.get("latency_run_ms")
    if whole:
        out["run_p50"], out["run_p99"] = float(whole["p50"]), float(whole["p99"])
        out["run_max"] = float(whole["max"])
    if cell.rate and "fps" in out:
        out["delivered"] = out["fps"] / (cell.servers * cell.rate)
    return out


@dataclass(slots=True)
class Summary:
    """The median of each metric over the runs of one peer on one cell."""

    cell: Cell
    peer: str
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    median: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "cell": self.cell.to_json(),
            "peer": self.peer,
            "runs": self.runs,
            "errors": self.errors,
            "median": self.median,
        }


def summarise(records: Iterable[Record]) -> dict[Cell, dict[str, Summary]]:
    """Cells in the order first run, each with its peers in the order run."""
    samples: dict[tuple[Cell, str], list[dict[str, float]]] = {}
    table: dict[Cell, dict[str, Summary]] = {}
    for record in records:
        cell = Cell.from_json(record["cell"])
        peer = record["peer"]
        summary = table.setdefault(cell, {}).setdefault(peer, Summary(cell, peer))
        result = record["result"]
        if "error" in result:
            summary.errors.append(result["error"])
            continue
        summary.runs += 1
        samples.setdefault((cell, peer), []).append(metrics_of(cell, result))
    for (cell, peer), runs in samples.items():
        names = {name for run in runs for name in run}
        table[cell][peer].median = {
            name: statistics.median(run[name] for run in runs if name in run) for name in names
        }
    return table
