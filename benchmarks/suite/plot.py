"""A PNG from a results JSON: each measurement per configuration, every peer side by side,
the targets drawn in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..outputs import save_figure
from .cells import Cell
from .peers import BASELINE
from .summary import Summary, summarise
from .targets import TARGETS

__all__ = ["plot"]

Table = Mapping[Cell, Mapping[str, Summary]]


def _bars(ax: Any, table: Table, peers: Sequence[str], metric: str, title: str) -> None:
    cells = list(table)
    width = 0.8 / max(1, len(peers))
    for i, peer in enumerate(peers):
        values = [
            (table[c][peer].median.get(metric) if peer in table[c] else None) or 0.0 for c in cells
        ]
        ax.bar([x + i * width for x in range(len(cells))], values, width, label=peer)
    _targets(ax, cells, metric, width * len(peers))
    ax.set_title(title, fontsize=10, loc="left")
    _xlabels(ax, [x + 0.4 - width / 2 for x in range(len(cells))], cells)
    ax.grid(axis="y", alpha=0.3)


def _xlabels(ax: Any, ticks: Sequence[float], cells: Sequence[Cell]) -> None:
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [" ".join(c.label.split()) for c in cells], rotation=60, ha="right", fontsize=7
    )


def _targets(ax: Any, cells: Sequence[Cell], metric: str, span: float) -> None:
    """Absolute targets as short red lines over the cells they are set on."""
    for target in TARGETS:
        if target.metric != metric or target.versus is not None:
            continue
        for x, cell in enumerate(cells):
            if target.applies(cell):
                ax.hlines(target.bound, x - 0.1, x + span, colors="red", linewidth=2)


def _ratios(ax: Any, table: Table, peers: Sequence[str]) -> None:
    cells = list(table)
    colours = {}
    for peer in peers:
        if peer == BASELINE:
            continue
        values = []
        for cell in cells:
            mine, theirs = table[cell].get(BASELINE), table[cell].get(peer)
            a = mine.median.get("fps") if mine else None
            b = theirs.median.get("fps") if theirs else None
            values.append(a / b if a and b else float("nan"))
        (line,) = ax.plot(range(len(cells)), values, marker="o", label=f"framehub ÷ {peer}")
        colours[peer] = line.get_color()
    for target in TARGETS:
        if target.metric == "fps" and target.versus in colours:
            ax.axhline(
                target.bound,
                linestyle="--",
                linewidth=1,
                color=colours[target.versus],
                label=f"target vs {target.versus} ({target.bound:g})",
            )
    # Log: one collapsed peer run (a ratio of 20) must not flatten the rest.
    ax.set_yscale("log")
    ax.set_title("Throughput ratio, framehub (NetGear) ÷ peer (log)", fontsize=10, loc="left")
    _xlabels(ax, range(len(cells)), cells)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)


def plot(doc: Mapping[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: this may run where there is no display
    import matplotlib.pyplot as plt

    table = summarise(doc["records"])
    peers = list(doc["peers"])
    by_kind = {
        kind: {c: p for c, p in table.items() if c.kind == kind}
        for kind in ("throughput", "latency", "slow", "idle")
    }
    panels = [
        (by_kind["throughput"], "fps", "Throughput, frames/s (log)", True),
        (by_kind["throughput"], "cpu_ms_per_frame", "Client CPU ms per frame (log)", True),
        (by_kind["latency"], "p99", "Latency p99 ms at a fixed rate (log; red: target)", True),
        (
            by_kind["latency"],
            "run_p99",
            "Latency p99 ms over the whole run, start-up included (log; red: target)",
            True,
        ),
        (by_kind["latency"], "fairness", "Fairness at a fixed rate (red: target)", False),
        (
            by_kind["slow"],
            "p99",
            "Slow consumer: age p99 ms over the whole run (log; red: target)",
            True,
        ),
        (by_kind["slow"], "lost", "Slow consumer: frames lost (red: target)", False),
        (by_kind["idle"], "cpu_percent", "Idle client CPU, % of one core", False),
    ]
    panels = [p for p in panels if p[0]]
    fig, axes = plt.subplots(
        len(panels) + 1, 1, figsize=(16, 5.5 * (len(panels) + 1)), squeeze=False
    )
    for ax, (rows, metric, title, log) in zip(axes[:, 0], panels, strict=False):
        _bars(ax, rows, peers, metric, title)
        if log:
            ax.set_yscale("log")
        ax.legend(fontsize=7, ncol=len(peers))
    if by_kind["throughput"]:
        _ratios(axes[-1, 0], by_kind["throughput"], peers)
    else:
        axes[-1, 0].set_visible(False)
    fig.suptitle(
        f"framehub benchmark suite, {doc['mode']} run of {doc['started']}: "
        f"medians of {doc['repeat']} run(s)",
        fontsize=12,
    )
    return save_figure(fig, out)
