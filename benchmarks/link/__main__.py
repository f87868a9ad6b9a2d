"""framehub over a bandwidth-limited link; see ``benchmarks/README.md``.

python -m benchmarks.link                   # every cell: about 8 minutes
python -m benchmarks.link --quick           # shorter windows: about 4 minutes
python -m benchmarks.link --only link=20 size=640x480 --seconds 30
python -m benchmarks.link report [RESULTS.json]   # the table again (newest by default)
python -m benchmarks.link plot [RESULTS.json]     # the PNG again
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from ..outputs import RESULTS, command_parser, reshow, save, with_command
from ..suite.cells import parse_filters
from ..suite.machine import describe
from .cells import CODECS, FILTER_KEYS, Cell, plan, selected
from .netns import LinkUnavailable, Shaping, link, unavailable
from .plot import plot
from .report import headline, render
from .roles import h264_missing
from .runner import Timing, run_cell
from .scene import NOISE, FrameFiles

COMMANDS = ("run", "report", "plot")
NO_NETEM = (
    "this kernel has tbf and htb but no netem: the link is a rate limit and a queue,"
    " without emulated delay or loss"
)


def _parser() -> argparse.ArgumentParser:
    parser, _, run = command_parser("python -m benchmarks.link", __doc__)
    run.add_argument("--quick", action="store_true", help="shorter warm-up and window")
    run.add_argument("--seconds", type=float, help="the measured window (default 20, quick 6)")
    run.add_argument("--warmup", type=float, help="unmeasured seconds first (default 5, quick 3)")
    run.add_argument(
        "--only",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=V[,V]",
        help=f"keep matching cells; KEY is one of {', '.join(FILTER_KEYS)}"
        f" (codecs: {', '.join(CODECS)})",
    )
    run.add_argument(
        "--noise",
        type=float,
        default=NOISE,
        help=f"the sensor noise's standard deviation in grey levels (default {NOISE:g})",
    )
    run.add_argument(
        "--patterns",
        type=_patterns,
        default=(1,),
        metavar="1[,2]",
        help="the hub patterns to run (default 1; 2 doubles the plan)",
    )
    run.add_argument("--cameras", type=int, help="override every cell's camera count (smoke runs)")
    run.add_argument("--out", type=Path, help="results JSON (default: benchmarks/results/...)")
    run.add_argument("--no-plot", action="store_true", help="skip the PNG")
    run.add_argument("--list", action="store_true", help="print the plan only")
    return parser


def _interrupted(signum: int, frame: Any) -> NoReturn:
    # Unwinds through run_cell's and link()'s finally blocks: processes, namespaces.
    raise KeyboardInterrupt


def _cells(args: argparse.Namespace) -> list[Cell]:
    try:
        filters = parse_filters(args.only, FILTER_KEYS)
    except ValueError as exc:
        sys.exit(str(exc))
    cells = [c for c in plan(args.patterns) if selected(c, filters)]
    if args.cameras:
        cells = [dataclasses.replace(c, cameras=args.cameras) for c in cells]
    if not cells:
        sys.exit("nothing to run: the filters leave no cell")
    return cells


def _run(args: argparse.Namespace) -> int:
    cells = _cells(args)
    timing = Timing(
        warmup=args.warmup if args.warmup is not None else (3.0 if args.quick else 5.0),
        seconds=args.seconds or (6.0 if args.quick else 20.0),
    )
    skipped = {c.codec: why for c in cells if (why := _skip(c))}
    runnable = [c for c in cells if c.codec not in skipped]
    per_cell = timing.warmup + timing.seconds + 4
    print(
        f"{len(runnable)} cells ({len(cells) - len(runnable)} skipped), warm-up"
        f" {timing.warmup:g} s, window {timing.seconds:g} s: about"
        f" {len(runnable) * per_cell / 60:.1f} min plus rendering the scene once",
        flush=True,
    )
    if args.list:
        print("\n".join(f"  {cell.key}{'  (skipped)' * (cell.codec in skipped)}" for cell in cells))
        return 0
    why = unavailable()
    if why:
        print(f"link benchmark skipped: {why}")
        return 0
    print(NO_NETEM, flush=True)
    for codec, reason in skipped.items():
        print(f"skipping codec {codec}: {reason}", flush=True)
    if not runnable:
        return 0
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"link-{stamp}{'-quick' * args.quick}.json"
    log = out.with_suffix(".log")
    doc: dict[str, Any] = {
        "link": 1,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "argv": sys.argv[1:],
        "warmup_s": timing.warmup,
        "seconds": timing.seconds,
        "noise": args.noise,
        "machine": describe(),
        "no_netem": NO_NETEM,
        "skipped": [
            {"cell": c.to_json(), "why": skipped[c.codec]} for c in cells if c not in runnable
        ],
        "shaping": {str(c.link_mbit): Shaping(c.rate).describe() for c in cells},
        "records": [],
        "duration_s": 0.0,
    }
    print(f"results: {out}\nchildren's output: {log}", flush=True)
    signal.signal(signal.SIGTERM, _interrupted)
    started = time.monotonic()
    files = FrameFiles(args.noise)
    status = 0
    try:
        for size, cameras in sorted({(c.size, c.cameras) for c in runnable}):
            print(f"the scene: {cameras} x {size[0]}x{size[1]} in {files.folder}", flush=True)
            files.prepare(size, cameras)
        with link(Shaping(runnable[0].rate)) as built:
            for n, cell in enumerate(runnable, 1):
                result = run_cell(cell, built, files, timing, log)
                doc["records"].append({"cell": cell.to_json(), "result": result})
                doc["duration_s"] = time.monotonic() - started
                save(doc, out)  # after every cell: an interrupted run keeps what it measured
                print(f"[{n}/{len(runnable)}] {cell.key}: {headline(result)}", flush=True)
    except LinkUnavailable as exc:
        print(f"link benchmark skipped: {exc}")
        return 0
    except KeyboardInterrupt:
        print("interrupted: reporting what was measured", flush=True)
        status = 130
    doc["duration_s"] = time.monotonic() - started
    save(doc, out)
    print("\n" + render(doc), flush=True)
    if not args.no_plot and doc["records"]:
        print(f"plot: {plot(doc, out.with_suffix('.png'))}")
    return status


def _patterns(text: str) -> tuple[int, ...]:
    try:
        patterns = tuple(sorted({int(p) for p in text.split(",")}))
    except ValueError:
        patterns = ()
    if not patterns or not set(patterns) <= {1, 2}:
        raise argparse.ArgumentTypeError(f"--patterns takes 1, 2 or 1,2, got {text!r}")
    return patterns


def _skip(cell: Cell) -> str | None:
    return h264_missing() if CODECS[cell.codec].kind == "h264" else None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(with_command(argv, COMMANDS))
    if reshow(args, "link", render, plot):
        return 0
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
