"""What every command shares: logging set-up, argument types, clean failure."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..api import H264Config, JpegConfig, SecurityConfig
from ..api.config import check_server_name
from ..checks import check_bitrate
from ..codecs.h264 import CHROMA as H264_CHROMA
from ..codecs.h264 import PRESETS as H264_PRESETS
from ..errors import ConfigError
from ..security import KeyFolder, check_key_name

__all__ = [
    "EXIT_CODES",
    "CommandError",
    "add_codec_options",
    "add_command",
    "add_jpeg_options",
    "add_logging",
    "add_pattern_option",
    "add_resolution_option",
    "add_secure_options",
    "codec_arguments",
    "codec_label",
    "codec_settings",
    "count",
    "free_ports",
    "host_port",
    "key_folder",
    "key_name",
    "non_negative",
    "port_number",
    "positive",
    "resolution",
    "security_config",
    "server_name",
    "setup_logging",
    "stop_on_signals",
]

EXIT_CODES = """exit codes:
  0  done (also when stopped by Ctrl+C or SIGTERM)
  1  it ran but did not succeed (a camera did not stream, the source failed, ...)
  2  bad arguments, or it could not start (port in use, no camera, no GUI, ...)
"""


class CommandError(Exception):
    """A failure to report as one line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    summary: str,
    description: str,
    examples: str,
) -> argparse.ArgumentParser:
    """A command's parser, with its examples and the exit codes under its ``--help``."""
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_logging(parser)
    return parser


def add_logging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="how much framehub logs to stderr (default: warning)",
    )


def setup_logging(level: str) -> None:
    """Only the command line configures logging; the library never does."""
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


def resolution(text: str) -> tuple[int, int]:
    """``WxH`` as (width, height)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 640x480, got {text!r}"
        ) from None
    if not (16 <= width <= 7680 and 16 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"resolution out of range: {text!r}")
    return width, height


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected 0 or a positive number, got {text!r}")
    return value


def _checked(check: Callable[[str], str], text: str) -> str:
    try:
        return check(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def server_name(text: str) -> str:
    """A server's display name, as ``SenderConfig.name`` accepts it."""
    return _checked(check_server_name, text)


def key_name(text: str) -> str:
    """A key pair's name, as ``framehub keys --camera`` makes it."""
    return _checked(check_key_name, text)


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _whole_number(text: str, low: int, high: int, out_of_range: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{out_of_range}, got {text!r}")
    return value


def count(text: str) -> int:
    """A whole number of at least one."""
    return _whole_number(text, 1, 1_000_000, "expected at least 1")


def jpeg_quality(text: str) -> int:
    return _whole_number(text, 10, 100, "JPEG quality goes from 10 to 100")


def port_number(text: str, *, allow_zero: bool = False) -> int:
    return _whole_number(text, 0 if allow_zero else 1, 65535, "port out of range")


def add_pattern_option(parser: argparse.ArgumentParser, *, other_end: str | None = None) -> None:
    """``--pattern 1|2``; ``other_end`` names what must use the same one."""
    same = f"; the {other_end} must use the same" if other_end else ""
    parser.add_argument(
        "--pattern",
        type=int,
        choices=[1, 2],
        default=1,
        help=f"1: request/reply, every frame acknowledged; 2: publish/subscribe (default: 1{same})",
    )


def add_resolution_option(parser: argparse.ArgumentParser, *, what: str) -> None:
    parser.add_argument(
        "--resolution",
        type=resolution,
        default=(640, 480),
        metavar="WxH",
        help=f"{what} (default: 640x480)",
    )


def add_jpeg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jpeg-quality",
        type=jpeg_quality,
        default=90,
        metavar="Q",
        help="JPEG quality 10-100 (default: 90)",
    )
    parser.add_argument("--raw", action="store_true", help="send raw frames, no JPEG")


def bitrate(text: str) -> int:
    """Bits per second: ``1000000``, ``1M``, ``800k``."""
    try:
        return check_bitrate("bitrate", text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_codec_options(parser: argparse.ArgumentParser) -> None:
    """``--codec`` and the H.264 settings (with ``add_jpeg_options``'s ``--raw``)."""
    parser.add_argument(
        "--codec",
        choices=["raw", "jpeg", "h264"],
        default=None,
        help="how frames are compressed (default: jpeg, or raw with --raw); h264 needs "
        "PyAV (pip install 'framehub[h264]') and a framehub hub",
    )
    parser.add_argument(
        "--bitrate",
        type=bitrate,
        default=H264Config().bitrate,
        metavar="RATE",
        help="H.264 bits per second, e.g. 1M or 800k (default: 1M)",
    )
    parser.add_argument(
        "--gop",
        type=count,
        default=H264Config().gop,
        metavar="FRAMES",
        help="H.264 frames from one keyframe to the next (default: 30)",
    )
    parser.add_argument(
        "--preset",
        choices=H264_PRESETS,
        default=H264Config().preset,
        help="x264's speed/quality trade for H.264 (default: ultrafast)",
    )
    parser.add_argument(
        "--chroma",
        choices=tuple(H264_CHROMA),
        default=H264Config().chroma,
        help="H.264 colour resolution: 4:2:0 (any encoder) or 4:4:4 (x264; finer colour "
        "detail) (default: 4:2:0)",
    )


#: The options above as ``serve`` takes them, to pass them on to a camera process.
_CODEC_OPTIONS = ("codec", "bitrate", "gop", "preset", "chroma")


def codec_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``SenderConfig``'s codec, jpeg and h264 from the options above."""
    if args.raw and args.codec not in (None, "raw"):
        raise CommandError(f"--raw and --codec {args.codec} contradict each other")
    codec = "raw" if args.raw else args.codec
    h264 = None
    if codec == "h264":
        h264 = H264Config(
            bitrate=args.bitrate, gop=args.gop, preset=args.preset, chroma=args.chroma
        )
    jpeg = None if codec == "raw" else JpegConfig(quality=args.jpeg_quality)
    return {"codec": codec, "jpeg": jpeg, "h264": h264}


def codec_arguments(args: argparse.Namespace) -> list[str]:
    """The codec options given, as arguments for a ``framehub serve`` process."""
    if args.codec is None:
        return []
    return [f"--{name}={getattr(args, name)}" for name in _CODEC_OPTIONS]


def codec_label(args: argparse.Namespace) -> str:
    """What the cameras send, in a few words: ``raw``, ``JPEG`` or ``H.264 at 1 Mbit/s``."""
    codec = "raw" if args.raw else args.codec or "jpeg"
    if codec == "h264":
        return f"H.264 at {args.bitrate / 1e6:g} Mbit/s"
    return "raw" if codec == "raw" else "JPEG"


_SECURE_MODES = {"stonehouse": 1, "ironhouse": 2}


def add_secure_options(parser: argparse.ArgumentParser, *, camera: bool) -> None:
    """Secure Mode with the keys ``framehub keys`` makes; ``camera``: a sending end,
    which may use a key pair of its own (``--key-name``)."""
    group = parser.add_argument_group(
        "Secure Mode (ZeroMQ CURVE; make the keys with 'framehub keys')"
    )
    group.add_argument(
        "--secure",
        choices=sorted(_SECURE_MODES),
        default=None,
        help="stonehouse: encrypt, accept any camera; ironhouse: encrypt, and accept only "
        "cameras whose public key is in the hub's keys/public_keys (default: off)",
    )
    group.add_argument(
        "--keys",
        default=None,
        metavar="DIR",
        help="the key folder 'framehub keys --folder' wrote (default: ~/.framehub)",
    )
    if camera:
        group.add_argument(
            "--key-name",
            type=key_name,
            default=None,
            metavar="NAME",
            help="this camera's key pair, as 'framehub keys --camera NAME' made it "
            "(default: client)",
        )


def security_config(args: argparse.Namespace) -> SecurityConfig | None:
    """The ``--secure`` options as a ``SecurityConfig``; None when Secure Mode is off."""
    if args.secure is None:
        if args.keys is not None or getattr(args, "key_name", None) is not None:
            raise CommandError("--keys and --key-name need --secure stonehouse|ironhouse")
        return None
    keys = KeyFolder.default() if args.keys is None else key_folder(args.keys)
    return SecurityConfig(
        mode=_SECURE_MODES[args.secure], keys=keys, key_name=getattr(args, "key_name", None)
    )


def key_folder(path: str) -> KeyFolder:
    """A key folder named on the command line (``~`` expanded)."""
    return KeyFolder(Path(path).expanduser().absolute())


def host_port(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6; port 0 picks a free one)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT such as 127.0.0.1:8080, got {text!r}")
    return host.strip("[]"), port_number(port, allow_zero=True)


def free_ports(count: int) -> list[int]:
    """Distinct ports that the OS says are free right now on 127.0.0.1."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, so loops end cleanly instead of by traceback."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
