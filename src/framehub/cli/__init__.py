"""The ``framehub`` command: ``demo``, ``serve`` and ``view``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import FramehubError
from . import demo, keys, serve, view
from .common import EXIT_CODES, CommandError, setup_logging, stop_on_signals

__all__ = ["main"]

_COMMANDS = {"demo": demo.run, "keys": keys.run, "serve": serve.run, "view": view.run}

EXAMPLES = f"""examples:
  framehub demo                                   # cameras, hub and web viewer on this machine
  framehub view --ports 5566 5567                 # a hub; open http://127.0.0.1:8080/
  framehub serve --address 192.168.1.10 --port 5566 --source 0
  framehub keys --camera door --camera yard        # keys for Secure Mode

{EXIT_CODES}
'framehub COMMAND --help' tells more about each command."""


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``framehub`` parser, and each command's own."""
    parser = argparse.ArgumentParser(
        prog="framehub",
        description="Stream live video from many camera hosts to one hub over ZeroMQ.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"framehub {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.add_parser(commands)
    serve.add_parser(commands)
    view.add_parser(commands)
    keys.add_parser(commands)
    return parser, commands.choices


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit codes: 0 done, 1 it ran but did not succeed, 2 bad usage or set-up."""
    parser, command_parsers = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would show the top-level usage; the command's own is the helpful one.
        command_parsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    setup_logging(args.log_level)
    try:
        with stop_on_signals() as stop:
            return _COMMANDS[args.command](args, stop)
    except (CommandError, FramehubError, ValueError, OSError) as exc:
        print(f"framehub {args.command}: error: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, CommandError) else 2
