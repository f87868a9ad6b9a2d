"""framehub, vidgear, imagezmq and raw pyzmq side by side; see ``benchmarks/README.md``.

python -m benchmarks.suite --quick            # about three and a half minutes
python -m benchmarks.suite --full             # every configuration, 15-17 minutes
python -m benchmarks.suite --full --repeat 3 --only kind=latency peer=framehub,vidgear
python -m benchmarks.suite report [RESULTS.json]   # the tables again (newest by default)
python -m benchmarks.suite plot [RESULTS.json]     # the PNG again
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from ..outputs import RESULTS, command_parser, reshow, save, with_command
from .cells import FILTER_KEYS, Cell, parse_filters, plan, selected
from .machine import describe
from .peers import ALL, BASELINE, FULL, PEERS, QUICK, available
from .peers.netgear import FRAMEHUB_OPTIONS
from .plot import plot
from .processes import memory_budget, raise_allocator_thresholds
from .profile import profile
from .report import render
from .runner import Record, Session, expected_seconds, run_cell, settle
from .summary import metrics_of, summarise

COMMANDS = ("run", "report", "plot", "profile")


def _parser() -> argparse.ArgumentParser:
    parser, sub, run = command_parser("python -m benchmarks.suite", __doc__)
    size = run.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a few cells, short windows (default)")
    size.add_argument("--full", action="store_true", help="every configuration")
    run.add_argument("--repeat", type=int, default=1, help="runs per peer and cell (medians)")
    run.add_argument(
        "--only",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=V[,V]",
        help=f"keep matching cells/peers; KEY is one of {', '.join(FILTER_KEYS)}",
    )
    run.add_argument("--out", type=Path, help="results JSON (default: benchmarks/results/...)")
    run.add_argument(
        "--settle",
        type=float,
        metavar="CORES",
        help="before each run, wait (30 s at most) until other processes use at most CORES"
        " cores: slower, but far less noise on a shared machine",
    )
    run.add_argument(
        "--framehub",
        nargs="+",
        action="extend",
        default=[],
        metavar="OPTION=VALUE",
        help="a NetGear option for framehub's client and servers only, e.g. window=1"
        " (VALUE is read as JSON, else taken as a string)",
    )
    run.add_argument(
        "--raise-allocator-thresholds",
        action="store_true",
        help="give every process glibc's raised mmap and trim thresholds, as framehub's hub"
        " sets for itself (peers then run as if their users had tuned glibc)",
    )
    run.add_argument("--no-plot", action="store_true", help="skip the PNG")
    run.add_argument("--list", action="store_true", help="print the plan and its duration only")
    prof = sub.add_parser("profile", help="profile one peer's client on one cell")
    prof.add_argument("--only", nargs="+", action="extend", default=[], metavar="KEY=V")
    prof.add_argument("--peer", default=BASELINE, choices=ALL)
    prof.add_argument("--seconds", type=float, default=10.0, help="how long to sample")
    prof.add_argument("--settle", type=float, metavar="CORES", help="as for run")
    prof.add_argument("--server", action="store_true", help="profile server 0, not the client")
    return parser


def _progress(total: int, started: float) -> Any:
    done = 0

    def show(record: Record) -> None:
        nonlocal done
        done += 1
        cell, result = Cell.from_json(record["cell"]), record["result"]
        m = metrics_of(cell, result)
        if "error" in result:
            what = f"FAILED {result['error']}"
        elif cell.kind == "idle":
            what = f"{m['cpu_percent']:.1f}% CPU"
        elif cell.kind == "latency":
            what = (
                f"p50 {m.get('p50', 0):.2f} p99 {m.get('p99', 0):.2f} ms"
                f" (whole run {m.get('run_p99', 0):.2f}), fair {m['fairness']:.2f},"
                f" lost {m.get('lost', 0):.0f}"
            )
        elif cell.kind == "slow":
            what = (
                f"p50 {m.get('p50', 0):.0f} p99 {m.get('p99', 0):.0f}"
                f" max {m.get('max', 0):.0f} ms, {m.get('fps', 0):.1f} fps,"
                f" lost {m.get('lost', 0):.0f}"
            )
        else:
            what = (
                f"{m['fps']:.0f} fps, fair {m['fairness']:.2f}, "
                f"{m.get('cpu_ms_per_frame', 0):.2f} ms CPU/frame"
            )
        if "others_cores" in m:
            what += f" (others {m['others_cores']:.1f} cores)"
        elapsed = time.monotonic() - started
        print(
            f"[{done:>3}/{total} {elapsed / 60:4.1f}m] {cell.key} · {record['peer']}: {what}",
            flush=True,
        )

    return show


def _interrupted(signum: int, frame: Any) -> NoReturn:
    # Unwinds through the runner's with-blocks, which kill the run's processes.
    raise KeyboardInterrupt


def _filters(items: list[str]) -> dict[str, set[str]]:
    try:
        return parse_filters(items)
    except ValueError as exc:
        sys.exit(str(exc))


def _options(items: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            sys.exit(f"--framehub takes OPTION=VALUE, got {item!r}")
        try:
            options[key] = json.loads(text)
        except ValueError:
            options[key] = text
    return options


def _run(args: argparse.Namespace) -> int:
    quick = not args.full
    FRAMEHUB_OPTIONS.update(_options(args.framehub))
    if args.raise_allocator_thresholds:
        raise_allocator_thresholds()
    mode = "quick" if quick else "full"
    filters = _filters(args.only)
    unknown = filters.get("peer", set()) - set(ALL)
    if unknown:
        sys.exit(f"unknown peer(s) {sorted(unknown)}; the peers are {', '.join(ALL)}")
    wanted = tuple(p for p in ALL if p in filters.get("peer", QUICK if quick else FULL))
    peers, missing = available(wanted)
    cells = [c for c in plan(quick) if selected(c, filters)]
    if not cells or not peers:
        sys.exit("nothing to run: the filters leave no cell or no peer")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"suite-{stamp}-{mode}.json"
    log = out.with_suffix(".log")
    doc: dict[str, Any] = {
        "suite": 1,
        "mode": mode,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "argv": sys.argv[1:],
        "repeat": args.repeat,
        "settle": args.settle,
        "framehub_options": FRAMEHUB_OPTIONS,
        "allocator_thresholds_raised": args.raise_allocator_thresholds,
        "machine": describe(),
        "peers": {p: PEERS[p].note for p in peers},
        "missing": missing,
        "records": [],
        "duration_s": 0.0,
    }
    estimate = sum(expected_seconds(c, quick) for c in cells) * len(peers) * args.repeat
    total = len(cells) * len(peers) * args.repeat
    print(
        f"{mode} run: {len(cells)} cells x {len(peers)} peers x {args.repeat} = {total} runs, "
        f"about {estimate / 60:.1f} min",
        flush=True,
    )
    if args.list:
        print("\n".join(f"  {cell.key}" for cell in cells))
        return 0
    print(f"results: {out}\nchildren's output: {log}", flush=True)
    signal.signal(signal.SIGTERM, _interrupted)
    started = time.monotonic()
    session = Session(quick, log, memory_budget(), args.settle)
    show = _progress(total, started)
    status = 0
    try:
        for cell in cells:
            doc["records"] += run_cell(cell, peers, args.repeat, session, show)
            doc["duration_s"] = time.monotonic() - started
            save(doc, out)  # after every cell: an interrupted suite keeps what it measured
    except KeyboardInterrupt:
        print("interrupted: reporting what was measured", flush=True)
        status = 130
    finally:
        session.bank.close()
    doc["duration_s"] = time.monotonic() - started
    doc["summary"] = [
        s.to_json() for row in summarise(doc["records"]).values() for s in row.values()
    ]
    save(doc, out)
    print("\n" + render(doc), flush=True)
    if not args.no_plot and doc["records"]:
        print(f"plot: {plot(doc, out.with_suffix('.png'))}")
    return status


def _profile(args: argparse.Namespace) -> int:
    filters = _filters(args.only)
    cells = [c for c in plan(quick=False) if selected(c, filters) and c.kind != "idle"]
    if len(cells) != 1:
        listed = "\n".join(f"  {c.key}" for c in cells[:12])
        sys.exit(
            f"--only must pick exactly one cell of the full plan; it picks {len(cells)}\n{listed}"
        )
    available((args.peer,))
    RESULTS.mkdir(exist_ok=True)
    if args.settle is not None:
        settle(args.settle)
    session = Session(False, RESULTS / "profile.log", memory_budget())
    try:
        print(profile(cells[0], args.peer, args.seconds, RESULTS, session, args.server))
    finally:
        session.bank.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(with_command(argv, COMMANDS))
    if args.command == "profile":
        return _profile(args)
    if reshow(args, "suite", render, plot):
        return 0
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
