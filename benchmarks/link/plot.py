"""A PNG from a link results JSON: one panel per measurement, a bar per cell, the
issue's targets drawn in red over the cells they are set on."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..outputs import save_figure
from .cells import Cell
from .targets import TARGETS, metric

__all__ = ["plot"]

_PANELS = (
    ("delivered_ratio", "Frames delivered ÷ frames due", False),
    ("link_bytes_per_frame", "Bytes per frame on the link (log)", True),
    ("p99", "Age p99 at recv(), ms (log)", True),
    ("psnr", "PSNR of delivered frames, dB (raw: lossless, not drawn)", False),
    ("camera_cpu_ms_per_frame", "One camera's CPU per frame, ms (log)", True),
    ("hub_cpu_ms_per_frame", "Hub CPU per frame, ms (log)", True),
)


def _panel(ax: Any, cells: Sequence[Cell], results: Sequence[Mapping[str, Any]], name: str) -> None:
    values = []
    for result in results:
        value = None if "error" in result else metric(result, name)
        values.append(0.0 if value is None or math.isinf(value) else value)
    groups = sorted({c.group for c in cells}, key=[c.group for c in cells].index)
    colours = [f"C{groups.index(c.group)}" for c in cells]
    ax.bar(range(len(cells)), values, color=colours)
    for target in TARGETS:
        if target.metric != name:
            continue
        for x, cell in enumerate(cells):
            if target.applies(cell):
                ax.hlines(target.bound, x - 0.4, x + 0.4, colors="red", linewidth=2)
    ax.grid(axis="y", alpha=0.3)


def plot(doc: Mapping[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: this may run where there is no display
    import matplotlib.pyplot as plt

    cells = [Cell.from_json(r["cell"]) for r in doc["records"]]
    results = [r["result"] for r in doc["records"]]
    fig, axes = plt.subplots(
        len(_PANELS), 1, figsize=(12, 3.2 * len(_PANELS) + 2), squeeze=False, sharex=True
    )
    for ax, (name, title, log) in zip(axes[:, 0], _PANELS, strict=True):
        _panel(ax, cells, results, name)
        ax.set_title(title, fontsize=10, loc="left")
        if log:
            ax.set_yscale("log")
    bottom = axes[-1, 0]
    bottom.set_xticks(range(len(cells)))
    labels = [f"{c.group} · {c.codec}" for c in cells]
    bottom.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    fig.suptitle(
        f"framehub link benchmark, run of {doc['started']}: warm-up {doc['warmup_s']:g} s,"
        f" window {doc['seconds']:g} s",
        fontsize=12,
    )
    return save_figure(fig, out)
