"""The printed report: one table per measurement, a row per configuration, each peer's
value and framehub's ratio to each peer, and every missed target flagged with ``!``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cells import Cell
from .peers import BASELINE
from .summary import Summary, summarise
from .targets import Outcome, check

__all__ = ["render", "text_table"]

Peers = Mapping[str, Summary]
MISS = "!"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    cell: Callable[[Cell, Peers], str]


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


class _Flags:
    """Which (cell, metric, versus) missed a target, for marking the table cells."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self._missed = {
            (o.cell, o.target.metric, o.target.versus) for o in outcomes if o.met is False
        }

    def mark(self, text: str, cell: Cell, metric: str, versus: str | None = None) -> str:
        return text + (MISS if (cell, metric, versus) in self._missed else " ")


def _count(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _value(
    peers: Peers,
    peer: str,
    metric: str,
    expected_runs: int,
    fmt: Callable[[float | None], str] = _num,
) -> str:
    summary = peers.get(peer)
    if summary is None:
        return "-"
    if not summary.runs:
        return "fail"
    text = fmt(summary.median.get(metric))
    return text + ("*" if summary.runs < expected_runs else "")


def _ratio(peers: Peers, metric: str, other: str) -> float | None:
    mine, theirs = peers.get(BASELINE), peers.get(other)
    if not mine or not theirs:
        return None
    a, b = mine.median.get(metric), theirs.median.get(metric)
    return a / b if a is not None and b else None


def _columns(
    metric: str,
    peers: Sequence[str],
    flags: _Flags,
    runs: int,
    ratios: bool = True,
    fmt: Callable[[float | None], str] = _num,
) -> list[Column]:
    def value(peer: str) -> Column:
        def render(cell: Cell, row: Peers) -> str:
            text = _value(row, peer, metric, runs, fmt)
            return flags.mark(text, cell, metric) if peer == BASELINE else text + " "

        return Column(peer, render)

    def ratio(other: str) -> Column:
        def render(cell: Cell, row: Peers) -> str:
            r = _ratio(row, metric, other)
            return flags.mark("n/a" if r is None else f"{r:.2f}", cell, metric, other)

        return Column(f"÷{other}", render)

    columns = [value(peer) for peer in peers]
    if ratios and BASELINE in peers:
        columns += [ratio(other) for other in peers if other != BASELINE]
    return columns


def _floor(doc: Mapping[str, Any]) -> Column:
    """One JPEG decode on one thread: what every client must spend per JPEG frame."""
    floor = doc["machine"].get("jpeg_decode_ms", {})

    def render(cell: Cell, row: Peers) -> str:
        return _num(floor.get(cell.size)) if cell.jpeg and floor else "-"

    return Column("decode", render)


def _table(title: str, rows: Mapping[Cell, Peers], columns: Sequence[Column]) -> str:
    if not rows:
        return ""
    header = ["configuration", *(c.header for c in columns)]
    body = [[cell.label, *(c.cell(cell, peers) for c in columns)] for cell, peers in rows.items()]
    return text_table(title, header, body)


def text_table(title: str, header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """``title`` over aligned columns: the first left-aligned, the others right."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [title]
    for line in [header, *body]:
        first, *rest = line
        lines.append(
            "  ".join(
                [
                    first.ljust(widths[0]),
                    *(v.rjust(w) for v, w in zip(rest, widths[1:], strict=True)),
                ]
            )
        )
    return "\n".join(lines)


def _kind(table: Mapping[Cell, Peers], kind: str) -> dict[Cell, Peers]:
    return {cell: peers for cell, peers in table.items() if cell.kind == kind}


def _noise(doc: Mapping[str, Any]) -> str:
    others = sorted(
        r["result"]["others_cores"] for r in doc["records"] if "others_cores" in r["result"]
    )
    if not others:
        return ""
    busy = sum(1 for o in others if o >= 0.25)
    text = (
        f"other processes on this machine used a median {others[len(others) // 2]:.2f} cores"
        f" during a run (max {others[-1]:.2f}); {busy} of {len(others)} runs shared the"
        " machine with more than a quarter core of other work"
    )
    if doc.get("settle") is not None:
        text += f"; each run first waited (30 s at most) for them to use <= {doc['settle']} cores"
    return text


def _options(doc: Mapping[str, Any]) -> str:
    options = doc.get("framehub_options") or {}
    if not options:
        return ""
    given = ", ".join(f"{key}={value!r}" for key, value in options.items())
    return f"framehub ran with options of its own (--framehub): {given}"


def _allocator(doc: Mapping[str, Any]) -> str:
    if not doc.get("allocator_thresholds_raised"):
        return ""
    return (
        "every process ran with glibc's mmap and trim thresholds raised"
        " (--raise-allocator-thresholds), as framehub's hub sets them for itself"
    )


def _header(doc: Mapping[str, Any]) -> str:
    m = doc["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        f"framehub benchmark suite, {doc['mode']} run of {doc['started']}"
        f" ({doc['duration_s'] / 60:.1f} min)",
        f"machine: {m['cpus']} CPUs ({m['cpu_model']}), load average at start {m['load']}",
        f"versions: {versions}",
        f"every number is the median of {doc['repeat']} run(s) per peer, the peers interleaved;"
        " * marks a median of fewer (a run failed, see the end), - not run",
        f"ratios are framehub (NetGear) ÷ each peer; {MISS} marks a value that misses its target",
        _noise(doc),
        _options(doc),
        _allocator(doc),
    ]
    lines = [line for line in lines if line]
    lines += [f"  {name}: {note}" for name, note in doc["peers"].items()]
    lines += [f"  {name}: not run, {why}" for name, why in doc.get("missing", {}).items()]
    return "\n".join(lines)


def _targets(outcomes: Sequence[Outcome]) -> str:
    lines = ["Targets"]
    names: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        names.setdefault(outcome.target.name, []).append(outcome)
    for name, group in names.items():
        missed = [o for o in group if o.met is False]
        known = [o for o in group if o.met is not None]
        if not known:
            verdict = "not measured (a peer it compares with was not run)"
        else:
            verdict = f"MISSED in {len(missed)} of {len(known)} cells" if missed else "met"
            verdict += f" ({len(known)} cells)" if not missed else ""
        lines.append(f"  {name:<38} {group[0].target.rule:<34} {verdict}")
        lines += [f"      {o.cell.key}: {_num(o.value)}" for o in missed]
    return "\n".join(lines)


def _failures(table: Mapping[Cell, Peers]) -> str:
    lines = [
        f"  {cell.key} · {peer}: {error}"
        for cell, peers in table.items()
        for peer, summary in peers.items()
        for error in summary.errors
    ]
    return "\n".join(["Failed runs", *lines]) if lines else ""


def render(doc: Mapping[str, Any]) -> str:
    table = summarise(doc["records"])
    outcomes = check(table)
    flags = _Flags(outcomes)
    peers = [p for p in doc["peers"]]
    runs = doc["repeat"]
    throughput, latency = _kind(table, "throughput"), _kind(table, "latency")
    slow = _kind(table, "slow")
    sections = [
        _header(doc),
        _table(
            "Throughput: frames/s delivered, every server sending flat out",
            throughput,
            _columns("fps", peers, flags, runs),
        ),
        _table(
            "Client CPU per frame (ms, all the client's threads; decode: one JPEG decode alone)",
            throughput,
            [*_columns("cpu_ms_per_frame", peers, flags, runs), _floor(doc)],
        ),
        _table(
            "Servers' CPU per delivered frame (ms, all servers together), same runs",
            throughput,
            _columns("servers_cpu_ms_per_frame", peers, flags, runs),
        ),
        _table(
            "Fairness (slowest server's frames ÷ fastest's), same runs",
            throughput,
            _columns("fairness", peers, flags, runs, ratios=False),
        ),
        _table(
            "Age of a frame at recv() return, p50 (ms), same runs: what saturation costs",
            throughput,
            _columns("p50", peers, flags, runs),
        ),
        _table(
            "Latency p50 (ms, send() to recv() return), servers at a fixed rate",
            latency,
            _columns("p50", peers, flags, runs),
        ),
        _table("Latency p99 (ms), same runs", latency, _columns("p99", peers, flags, runs)),
        _table(
            "Latency p99 over the whole run (ms, every frame from the first received:"
            " start-up and warm-up included), same runs",
            latency,
            _columns("run_p99", peers, flags, runs),
        ),
        _table(
            "Fairness at a fixed rate (slowest ÷ fastest), same runs",
            latency,
            _columns("fairness", peers, flags, runs, ratios=False),
        ),
        _table(
            "Client CPU per frame at a fixed rate (ms), same runs",
            latency,
            [*_columns("cpu_ms_per_frame", peers, flags, runs), _floor(doc)],
        ),
        _table(
            "Delivered at a fixed rate (frames received ÷ frames due), same runs",
            latency,
            _columns("delivered", peers, flags, runs, ratios=False),
        ),
        _table(
            "Frames lost at a fixed rate over the whole run (sent but never received), same runs",
            latency,
            _columns("lost", peers, flags, runs, ratios=False, fmt=_count),
        ),
        _table(
            "Slow consumer: age at recv() return, p50 (ms, whole run from the first frame);"
            " servers at a fixed rate, the client spending a fixed time per frame",
            slow,
            _columns("p50", peers, flags, runs),
        ),
        _table("Slow consumer: age p99 (ms), same runs", slow, _columns("p99", peers, flags, runs)),
        _table("Slow consumer: age max (ms), same runs", slow, _columns("max", peers, flags, runs)),
        _table(
            "Slow consumer: frames delivered per second (offered: servers x rate), same runs",
            slow,
            _columns("fps", peers, flags, runs, ratios=False),
        ),
        _table(
            "Slow consumer: frames lost (handed to send(), never received), same runs",
            slow,
            _columns("lost", peers, flags, runs, ratios=False, fmt=_count),
        ),
        _table(
            "Slow consumer: fairness (slowest server's frames ÷ fastest's), same runs",
            slow,
            _columns("fairness", peers, flags, runs, ratios=False),
        ),
        _table(
            "Idle client CPU (% of one core), no server connected",
            _kind(table, "idle"),
            _columns("cpu_percent", peers, flags, runs, ratios=False),
        ),
        _targets(outcomes),
        _failures(table),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
