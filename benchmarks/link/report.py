"""The printed table: a row per cell, ``!`` where a value misses the issue's target."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..suite.report import text_table
from .cells import Cell
from .targets import TARGETS, metric

__all__ = ["headline", "render"]

MISS = "!"


def _num(value: float | None, scale: float = 1.0, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "lossless"
    return f"{value * scale:.{digits}f}"


def _marked(cell: Cell, result: Mapping[str, Any], name: str, text: str) -> str:
    value = metric(result, name)
    missed = any(
        t.metric == name and t.applies(cell) and value is not None and not t.met_by(value)
        for t in TARGETS
    )
    return text + (MISS if missed else " ")


def _row(cell: Cell, result: Mapping[str, Any]) -> list[str]:
    if "error" in result:
        return [cell.group, cell.codec, "FAILED", *[""] * 9]
    psnr = result["psnr_db"]
    return [
        cell.group,
        cell.codec,
        _marked(cell, result, "delivered_ratio", _num(result["delivered_ratio"], 100, 0) + "%"),
        _num(result["fps"]),
        _num(result["link_bytes_per_frame"], 1 / 1000),
        _num(result["link_mbit"]),
        _num(metric(result, "p50"), digits=0),
        _marked(cell, result, "p99", _num(metric(result, "p99"), digits=0)),
        _marked(cell, result, "psnr", _num(metric(result, "psnr"))),
        _num(psnr.get("p1")),
        _num(result["camera_cpu_ms_per_frame"], digits=2),
        _num(result["hub_cpu_ms_per_frame"], digits=2),
    ]


_HEADER = [
    "cameras x size @fps over link",
    "codec",
    "due",
    "fps",
    "kB/frame",
    "Mbit/s",
    "age p50",
    "p99 ms",
    "PSNR dB",
    "PSNR p1",
    "cam CPU",
    "hub CPU",
]


def headline(result: Mapping[str, Any]) -> str:
    """One line of progress."""
    if "error" in result:
        return f"FAILED {result['error']}"
    p50, p99 = (_num(metric(result, p), digits=0) for p in ("p50", "p99"))
    psnr = _num(metric(result, "psnr"))
    return (
        f"{_num(result['delivered_ratio'], 100, 0)}% of frames due,"
        f" {_num(result['link_bytes_per_frame'], 1 / 1000)} kB/frame,"
        f" age p50 {p50} p99 {p99} ms, PSNR {psnr}{' dB' * (psnr != 'lossless')}"
    )


def _header(doc: Mapping[str, Any]) -> str:
    m = doc["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        f"framehub link benchmark, run of {doc['started']} ({doc['duration_s'] / 60:.1f} min)",
        f"machine: {m['cpus']} CPUs ({m['cpu_model']}), load average at start {m['load']}",
        f"versions: {versions}",
        "cameras and hub in two network namespaces joined by a veth pair; camera -> hub shaped:",
        *(f"  {mbit} Mbit/s: {text}" for mbit, text in doc["shaping"].items()),
        doc["no_netem"],
        f"warm-up {doc['warmup_s']:g} s (not measured), then a {doc['seconds']:g} s window;"
        " a consumer that takes every frame at once; the hub's pattern (p1: lossless, p2:"
        " latest) beside each cell",
        f"frames: photographs panned and zoomed, sensor noise {doc['noise']:g} grey levels,"
        " the same for every codec",
    ]
    return "\n".join(lines)


_LEGEND = (
    "due: frames delivered ÷ frames due (cameras x fps x window); fps: delivered per second;"
    " kB/frame and Mbit/s: what the camera side put on the link (IP packets: payload,"
    " framehub's header, TCP/IP) ÷ frames delivered, and per second; age: hub's time.time()"
    " once recv() returned the decoded frame minus the camera's stamp (ms); PSNR: mean over one"
    " delivered frame in four against the frame sent, p1 its 1st percentile;"
    f" CPU: ms of process CPU per frame, one camera / the hub; {MISS}: misses the issue's target"
)


def _targets(doc: Mapping[str, Any]) -> str:
    lines = ["Targets (8 x 30 fps 640x480 over 20 Mbit/s; H.264 should meet them)"]
    for record in doc["records"]:
        cell = Cell.from_json(record["cell"])
        result = record["result"]
        if "error" in result or not TARGETS[0].applies(cell):
            continue
        verdicts = []
        for target in TARGETS:
            value = metric(result, target.metric)
            ok = value is not None and target.met_by(value)
            verdicts.append(f"{target.rule}: {'met' if ok else 'MISSED'}")
        lines.append(f"  {cell.codec:<8} " + "; ".join(verdicts))
    return "\n".join(lines) if len(lines) > 1 else ""


def _skipped(doc: Mapping[str, Any]) -> str:
    lines = [f"  {Cell.from_json(s['cell']).key}: {s['why']}" for s in doc.get("skipped", [])]
    return "\n".join(["Skipped", *lines]) if lines else ""


def render(doc: Mapping[str, Any]) -> str:
    body = [_row(Cell.from_json(r["cell"]), r["result"]) for r in doc["records"]]
    sections = [
        _header(doc),
        text_table("Per cell", _HEADER, body) if body else "",
        _LEGEND,
        _targets(doc),
        _skipped(doc),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
