"""Where the benchmark commands keep their results, and the files they write there:
a JSON per run (rewritten after every cell, so an interrupted run keeps what it
measured) and a PNG made from it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "RESULTS",
    "command_parser",
    "load",
    "newest",
    "reshow",
    "save",
    "save_figure",
    "with_command",
]

RESULTS = Path(__file__).resolve().parent / "results"


def newest(prefix: str) -> Path:
    """The newest ``<prefix>-*.json`` in ``RESULTS``; exits with a message if none."""
    found = sorted(RESULTS.glob(f"{prefix}-*.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        sys.exit(f"no {prefix} results in {RESULTS}: run the benchmark first")
    return found[-1]


def load(path: Path | None, prefix: str) -> dict[str, Any]:
    return json.loads((path or newest(prefix)).read_text())  # type: ignore[no-any-return]


def save(doc: dict[str, Any], path: Path) -> None:
    """Written whole or not at all."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(path)


def save_figure(fig: Any, out: Path) -> Path:
    """Lays out, writes and closes a matplotlib figure that has a suptitle."""
    import matplotlib.pyplot as plt

    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


def with_command(argv: list[str] | None, commands: tuple[str, ...]) -> list[str]:
    """The command line, ``run`` put first when it names no command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in commands and args[0] not in ("-h", "--help")):
        args.insert(0, "run")
    return args


def reshow(
    args: argparse.Namespace,
    prefix: str,
    render: Callable[[dict[str, Any]], str],
    plot: Callable[[dict[str, Any], Path], Path],
) -> bool:
    """Does ``report`` (prints the tables) or ``plot`` (writes the PNG) of a saved run
    (``args.json``, default the newest); False for any other command."""
    if args.command not in ("report", "plot"):
        return False
    path = args.json or newest(prefix)
    doc = load(path, prefix)
    if args.command == "report":
        print(render(doc), end="")
    else:
        print(plot(doc, path.with_suffix(".png")))
    return True


def command_parser(
    prog: str, description: str | None
) -> tuple[argparse.ArgumentParser, Any, argparse.ArgumentParser]:
    """A parser with the ``run`` command (returned last, for its options) and the
    ``report`` and ``plot`` commands that ``reshow`` answers; add others to the middle."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure (the default command)")
    for name in ("report", "plot"):
        p = sub.add_parser(name, help=f"the {name} of a results JSON")
        p.add_argument("json", type=Path, nargs="?", help="default: the newest in results/")
    return parser, sub, run
