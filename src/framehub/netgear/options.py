"""vidgear's ``**options`` mapped, in one place, to framehub's typed configuration.

Every key vidgear 0.3.x knows is listed here, with the type and range it takes.
vidgear skips a misspelt key or a value of the wrong type without a word; here
both raise ``ConfigError`` naming the key and what it accepts.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..checks import check_bool, check_int, check_seconds
from ..errors import ConfigError
from ..security import check_key_name, parse_networks
from ..session import Policy
from ..wire import JPEG_COLORSPACES, MAX_WINDOW

__all__ = ["NetGearOptions", "parse_options"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NetGearOptions:
    """The options of one NetGear, validated. Field names follow vidgear's keys."""

    multiserver_mode: bool = False
    multiclient_mode: bool = False
    bidirectional_mode: bool = False
    secure_mode: int = 0
    custom_cert_location: str | None = None
    overwrite_cert: bool = False
    ssh_tunnel_mode: str | None = None
    ssh_tunnel_pwd: str | None = None
    ssh_tunnel_keyfile: str | None = None
    jpeg_compression: bool = True
    jpeg_compression_colorspace: str = "BGR"
    jpeg_compression_quality: int = 90
    jpeg_compression_fastdct: bool = True
    jpeg_compression_fastupsample: bool = False
    max_retries: int | None = None
    request_timeout: float = 4.0
    subscriber_timeout: float | None = None
    flag: int = 0
    copy: bool = False
    track: bool = False
    # framehub's own keys (vidgear has no equivalent).
    policy: Policy | None = None
    queue_size: int = 8
    window: int = 4
    gone_after: float = 1.0
    close_timeout: float = 1.0
    secure_allow_ips: tuple[str, ...] = ()
    secure_key_name: str | None = None
    multiclient_broadcast: bool = False
    given: frozenset[str] = field(default=frozenset())


Converter = Callable[[str, object], Any]


def _bool(key: str, value: object) -> bool:
    return check_bool(f"option {key!r}", value)


def _int_in(low: int, high: int | None = None) -> Converter:
    def convert(key: str, value: object) -> int:
        return check_int(f"option {key!r}", value, low, high)

    return convert


def _seconds(key: str, value: object) -> float:
    return check_seconds(f"option {key!r}", value)


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"option {key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _addresses(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(
            f"option {key!r} must be a list of IP addresses or networks, got {value!r}"
        )
    parse_networks(f"option {key!r}", value)
    return tuple(value)


def _key_name(key: str, value: object) -> str:
    try:
        return check_key_name(value)
    except ConfigError as exc:
        raise ConfigError(f"option {key!r}: {exc}") from None


def _quality(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 10 <= value <= 100:
        raise ConfigError(f"option {key!r} must be a number from 10 to 100, got {value!r}")
    return int(value)


def _max_retries(key: str, value: object) -> int | None:
    return None if value is None else check_int(f"option {key!r}", value, 1)


def _flag(key: str, value: object) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise ConfigError(f"option {key!r} must be 0 or 1 (zmq.NOBLOCK), got {value!r}")
    return 1 if value == 1 else 0


def _policy(key: str, value: object) -> Policy:
    try:
        return Policy(str(value))
    except ValueError:
        raise ConfigError(f"option {key!r} must be 'lossless' or 'latest', got {value!r}") from None


#: Every accepted key and how its value is checked.
_CONVERTERS: dict[str, Converter] = {
    "multiserver_mode": _bool,
    "multiclient_mode": _bool,
    "bidirectional_mode": _bool,
    "secure_mode": _int_in(0, 2),
    "custom_cert_location": _text,
    "overwrite_cert": _bool,
    "ssh_tunnel_mode": _text,
    "ssh_tunnel_pwd": _text,
    "ssh_tunnel_keyfile": _text,
    "jpeg_compression_quality": _quality,
    "jpeg_compression_fastdct": _bool,
    "jpeg_compression_fastupsample": _bool,
    "max_retries": _max_retries,
    "request_timeout": _seconds,
    "subscriber_timeout": _seconds,
    "flag": _flag,
    "copy": _bool,
    "track": _bool,
    "policy": _policy,
    "queue_size": _int_in(1),
    "window": _int_in(1, MAX_WINDOW),
    "gone_after": _seconds,
    "close_timeout": _seconds,
    "secure_allow_ips": _addresses,
    "secure_key_name": _key_name,
    "multiclient_broadcast": _bool,
}

#: Options that only make sense in some patterns: used elsewhere they are logged.
_PATTERNS_OF = {
    "max_retries": (0, 1),
    "request_timeout": (0, 1),
    "subscriber_timeout": (2,),
}

#: Options that only matter when another option is on.
_NEEDS = {
    "custom_cert_location": "secure_mode",
    "overwrite_cert": "secure_mode",
    "ssh_tunnel_pwd": "ssh_tunnel_mode",
    "ssh_tunnel_keyfile": "ssh_tunnel_mode",
    "secure_allow_ips": "secure_mode",
    "secure_key_name": "secure_mode",
    "multiclient_broadcast": "multiclient_mode",
}


def _jpeg_compression(value: object) -> dict[str, Any]:
    """``jpeg_compression`` is True/False, or a colourspace name that also turns it on."""
    if isinstance(value, bool):
        return {"jpeg_compression": value}
    if isinstance(value, str) and value.strip().upper() in JPEG_COLORSPACES:
        return {"jpeg_compression": True, "jpeg_compression_colorspace": value.strip().upper()}
    raise ConfigError(
        "option 'jpeg_compression' must be True, False or a colourspace name "
        f"({', '.join(sorted(JPEG_COLORSPACES))}), got {value!r}"
    )


def parse_options(options: Mapping[str, object], *, pattern: int) -> NetGearOptions:
    """Check every option and return them typed; raise ``ConfigError`` on the first bad one."""
    values: dict[str, Any] = {}
    for raw_key, value in options.items():
        key = str(raw_key).strip()
        if key == "jpeg_compression":
            values.update(_jpeg_compression(value))
            continue
        convert = _CONVERTERS.get(key)
        if convert is None:
            accepted = ", ".join(sorted([*_CONVERTERS, "jpeg_compression"]))
            raise ConfigError(f"unknown option {key!r}; accepted options are: {accepted}")
        values[key] = convert(key, value)
    parsed = replace(NetGearOptions(), **values, given=frozenset(values))
    _check_combinations(parsed, pattern)
    return parsed


def _check_combinations(opts: NetGearOptions, pattern: int) -> None:
    if opts.multiserver_mode and opts.multiclient_mode:
        raise ConfigError("Multi-Servers and Multi-Clients modes cannot be enabled together")
    if (opts.multiserver_mode or opts.multiclient_mode) and pattern not in (1, 2):
        mode = "Multi-Servers" if opts.multiserver_mode else "Multi-Clients"
        raise ConfigError(f"{mode} Mode supports pattern 1 or 2 only, got pattern {pattern!r}")
    if opts.bidirectional_mode and pattern == 2:
        raise ConfigError("bidirectional_mode works with pattern 0 or 1 only, not pattern 2")
    if opts.ssh_tunnel_mode and (opts.multiserver_mode or opts.multiclient_mode):
        raise ConfigError("ssh_tunnel_mode cannot be combined with Multi-Servers/Clients Mode")
    for key, patterns in _PATTERNS_OF.items():
        if key in opts.given and pattern not in patterns:
            log.warning("option %r has no effect with pattern %d", key, pattern)
    for key, needed in _NEEDS.items():
        if key in opts.given and not getattr(opts, needed):
            log.warning("option %r has no effect without %r", key, needed)


def copy_threshold(opts: NetGearOptions, default: int) -> int:
    """vidgear's ``copy=True`` copies every frame; ``False`` copies only small ones."""
    return sys.maxsize if opts.copy else default
