"""vidgear's ``**options``: one table, one row per key, and the mapping it drives.

Each row says how a key's value is checked (its converter), its default, which end
of a connection it applies to, what it needs to have an effect (another option,
some patterns), and the native config fields it becomes. Everything else is
derived from the table: the defaults, the warnings for options that do not apply,
and the translation to ``HubConfig``/``SenderConfig`` keyword arguments. Rules
between fields (modes and patterns that exclude each other) are the native
configs' own and are checked there, once.

Unlike vidgear, which skips a misspelt key or a value of the wrong type without a
word, both raise ``ConfigError`` naming the key and what it accepts. A valid option
that merely does not apply here (the other end's, another pattern's, one whose
mode is off) is logged as a warning and ignored, as vidgear does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from enum import Flag, auto
from typing import Any

from ..api.config import H264Config, HubConfig, SenderConfig
from ..checks import check_bitrate, check_bool, check_int, check_seconds
from ..errors import ConfigError
from ..security import check_key_name, parse_networks
from ..session import Policy
from ..wire import JPEG_COLORSPACES, MAX_WINDOW

__all__ = ["OPTIONS", "End", "NetGearOptions", "Option", "parse_options", "retry_budget"]

log = logging.getLogger(__name__)

Converter = Callable[[str, object], Any]


class End(Flag):
    """The end of a connection an option applies to."""

    SEND = auto()
    RECEIVE = auto()
    BOTH = SEND | RECEIVE

    @property
    def role(self) -> str:
        return "receiving" if self is End.RECEIVE else "sending"


ALL_PATTERNS = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class Option:
    """One key of vidgear's ``**options``.

    ``hub`` and ``sender`` name the native fields the value becomes on each end;
    ``group.field`` is a field of a nested config (``jpeg``, ``security``,
    ``ssh_tunnel``) that the facade builds from its group. An end the option applies
    to but with no field honours it in the facade itself. ``to_native`` turns the
    checked value into the native one. ``needs`` is another option that must be on
    (truthy) and ``patterns`` the patterns in which this one has an effect.
    """

    convert: Converter
    default: Any
    ends: End
    hub: tuple[str, ...] = ()
    sender: tuple[str, ...] = ()
    needs: str | None = None
    patterns: tuple[int, ...] = ALL_PATTERNS
    to_native: Callable[[Any], Any] | None = None

    def targets(self, end: End) -> tuple[str, ...]:
        return self.hub if end is End.RECEIVE else self.sender


def _native_default(config: type[Any], name: str) -> Any:
    """framehub's own keys default to the native config's default, stated once there."""
    for item in fields(config):
        if item.name == name and item.default is not MISSING:
            return item.default
    raise AssertionError(f"{config.__name__}.{name} has no plain default")


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


def _flag(key: str, value: object) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise ConfigError(f"option {key!r} must be 0 or 1 (zmq.NOBLOCK), got {value!r}")
    return 1 if value == 1 else 0


def _policy(key: str, value: object) -> Policy:
    try:
        return Policy(str(value))
    except ValueError:
        raise ConfigError(f"option {key!r} must be 'lossless' or 'latest', got {value!r}") from None


def _jpeg_compression(key: str, value: object) -> str | None:
    """True/False, or a colourspace name that also turns it on: the colourspace, or None."""
    if isinstance(value, bool):
        return "BGR" if value else None
    if isinstance(value, str) and value.strip().upper() in JPEG_COLORSPACES:
        return value.strip().upper()
    raise ConfigError(
        f"option {key!r} must be True, False or a colourspace name "
        f"({', '.join(sorted(JPEG_COLORSPACES))}), got {value!r}"
    )


def _codec(key: str, value: object) -> str:
    if value not in ("raw", "jpeg", "h264"):
        raise ConfigError(f"option {key!r} must be 'raw', 'jpeg' or 'h264', got {value!r}")
    return str(value)


def _bitrate(key: str, value: object) -> int:
    return check_bitrate(f"option {key!r}", value)


def _h264_default(name: str) -> Any:
    return _native_default(H264Config, name)


def retry_budget(value: int | None) -> int | None:
    """``max_retries`` as framehub counts it: None (and vidgear's 0) never gives up."""
    # vidgear accepts 0 and then never gives up: its counter goes below zero before
    # it is compared with zero.
    return value or None


def _copy_threshold(copy: bool) -> int:
    # vidgear's copy=True copies every frame; False copies only small ones.
    return sys.maxsize if copy else int(_native_default(SenderConfig, "copy_threshold"))


SEND, RECEIVE, BOTH = End.SEND, End.RECEIVE, End.BOTH

#: Every key NetGear accepts. The first group is vidgear's; the second framehub's own.
OPTIONS: dict[str, Option] = {
    "multiserver_mode": Option(_bool, False, BOTH, ("multiserver",), ("multiserver",)),
    "multiclient_mode": Option(_bool, False, BOTH, ("multiclient",), ("multiclient",)),
    "bidirectional_mode": Option(_bool, False, BOTH, ("bidirectional",), ("bidirectional",)),
    "secure_mode": Option(_int_in(0, 2), 0, BOTH, ("security.mode",), ("security.mode",)),
    "custom_cert_location": Option(
        _text, None, BOTH, ("security.keys",), ("security.keys",), needs="secure_mode"
    ),
    "overwrite_cert": Option(
        _bool, False, SEND, sender=("security.overwrite",), needs="secure_mode"
    ),
    "ssh_tunnel_mode": Option(_text, None, SEND, sender=("ssh_tunnel.server",)),
    "ssh_tunnel_pwd": Option(
        _text, None, SEND, sender=("ssh_tunnel.password",), needs="ssh_tunnel_mode"
    ),
    "ssh_tunnel_keyfile": Option(
        _text, None, SEND, sender=("ssh_tunnel.keyfile",), needs="ssh_tunnel_mode"
    ),
    "jpeg_compression": Option(
        _jpeg_compression, "BGR", BOTH, ("jpeg.colorspace",), ("jpeg.colorspace",)
    ),
    "jpeg_compression_quality": Option(_quality, 90, BOTH, ("jpeg.quality",), ("jpeg.quality",)),
    "jpeg_compression_fastdct": Option(
        _bool, True, BOTH, ("fastdct", "jpeg.fastdct"), ("jpeg.fastdct",)
    ),
    "jpeg_compression_fastupsample": Option(
        _bool, False, BOTH, ("fastupsample", "jpeg.fastupsample"), ("jpeg.fastupsample",)
    ),
    # On the receiving end NetGear itself gives up (see NetGear.recv).
    "max_retries": Option(
        _int_in(0), None, BOTH, sender=("max_retries",), patterns=(0, 1), to_native=retry_budget
    ),
    "request_timeout": Option(_seconds, 4.0, BOTH, sender=("request_timeout",), patterns=(0, 1)),
    "subscriber_timeout": Option(_seconds, None, RECEIVE, ("idle_timeout",), patterns=(2,)),
    "flag": Option(_flag, 0, SEND, sender=("nonblocking",), to_native=bool),
    "copy": Option(_bool, False, SEND, sender=("copy_threshold",), to_native=_copy_threshold),
    "track": Option(_bool, False, SEND, sender=("track",)),
    # framehub's own keys.
    "policy": Option(_policy, None, RECEIVE, ("policy",)),
    "queue_size": Option(
        _int_in(1), _native_default(HubConfig, "queue_size"), RECEIVE, ("queue_size",)
    ),
    "window": Option(
        _int_in(1, MAX_WINDOW), _native_default(SenderConfig, "window"), SEND, sender=("window",)
    ),
    "gone_after": Option(
        _seconds, _native_default(HubConfig, "gone_after"), RECEIVE, ("gone_after",)
    ),
    "close_timeout": Option(
        _seconds,
        _native_default(HubConfig, "close_timeout"),
        BOTH,
        ("close_timeout",),
        ("close_timeout",),
    ),
    "secure_allow_ips": Option(
        _addresses, (), RECEIVE, ("security.allow_ips",), needs="secure_mode"
    ),
    "secure_key_name": Option(
        _key_name, None, BOTH, ("security.key_name",), ("security.key_name",), needs="secure_mode"
    ),
    # On the sending end NetGear hands it to SenderGroup.
    "multiclient_broadcast": Option(_bool, False, SEND, needs="multiclient_mode"),
    # "raw", "jpeg" or "h264" (then the three below apply; see SenderConfig.codec).
    "codec": Option(_codec, None, SEND, sender=("codec",)),
    "bitrate": Option(
        _bitrate, _h264_default("bitrate"), SEND, sender=("h264.bitrate",), needs="codec"
    ),
    "gop": Option(
        _int_in(1, 1000), _h264_default("gop"), SEND, sender=("h264.gop",), needs="codec"
    ),
    "h264_encoder": Option(
        _text, _h264_default("encoder"), SEND, sender=("h264.encoder",), needs="codec"
    ),
}


@dataclass(frozen=True, slots=True)
class NetGearOptions:
    """The options of one NetGear end, checked: every key, with its default if not given.

    An option that does not apply here holds its default (it was ignored, with a
    warning). ``given`` lists the keys the caller passed that apply.
    """

    values: Mapping[str, Any]
    end: End
    given: frozenset[str]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def native(self) -> dict[str, Any]:
        """Keyword arguments for this end's native config; groups as nested dicts."""
        kwargs: dict[str, Any] = {}
        for key, row in OPTIONS.items():
            if not row.ends & self.end:
                continue
            value = self.values[key]
            if row.to_native is not None:
                value = row.to_native(value)
            for target in row.targets(self.end):
                group, _, name = target.rpartition(".")
                (kwargs.setdefault(group, {}) if group else kwargs)[name] = value
        return kwargs


def parse_options(options: Mapping[str, object], *, pattern: int, end: End) -> NetGearOptions:
    """Check every option; raise ``ConfigError`` on the first unknown key or invalid value.

    Options that do not apply to ``end`` or ``pattern``, or whose prerequisite is
    off, are logged as warnings and left at their defaults.
    """
    given: dict[str, Any] = {}
    for raw_key, value in options.items():
        key = str(raw_key).strip()
        row = OPTIONS.get(key)
        if row is None:
            accepted = ", ".join(sorted(OPTIONS))
            raise ConfigError(f"unknown option {key!r}; accepted options are: {accepted}")
        given[key] = row.convert(key, value)
    values = {key: row.default for key, row in OPTIONS.items()} | given
    applied = set(given)
    # In table order, so that a prerequisite is settled before the options needing it.
    for key in [key for key in OPTIONS if key in given]:
        reason = _inapplicable(key, values, pattern, end)
        if reason:
            log.warning("option %r %s; ignored", key, reason)
            values[key] = OPTIONS[key].default
            applied.discard(key)
    return NetGearOptions(values=values, end=end, given=frozenset(applied))


def _inapplicable(key: str, values: Mapping[str, Any], pattern: int, end: End) -> str | None:
    row = OPTIONS[key]
    if not row.ends & end:
        return f"applies to the {row.ends.role} end only, not to a {end.role} NetGear"
    if pattern not in row.patterns:
        return f"has no effect with pattern {pattern}"
    if row.needs is not None and not values[row.needs]:
        return f"has no effect without {row.needs!r}"
    return None
