"""Validation of the keyword options and common parameters that the gears accept."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import cv2

from ..errors import ConfigError, UnsupportedOptionError

__all__ = [
    "check_non_negative",
    "check_positive",
    "check_resolution",
    "lifecycle_level",
    "reject_unknown",
    "resolve_colorspace",
    "take_bool",
    "take_positive",
]


def lifecycle_level(verbose: bool) -> int:
    """The level of a gear's lifecycle messages: INFO with ``logging=True``, else DEBUG."""
    return logging.INFO if verbose else logging.DEBUG


def _finite_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ``ConfigError`` unless it is a finite number > 0."""
    number = _finite_number(value)
    if number is None or number <= 0:
        raise ConfigError(f"{name} must be a number greater than 0, got {value!r}")
    return number


def check_non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ``ConfigError`` unless it is a finite number >= 0."""
    number = _finite_number(value)
    if number is None or number < 0:
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}")
    return number


def check_resolution(name: str, value: object) -> tuple[int, int]:
    """Return ``(width, height)``, or raise ``ConfigError`` unless it is two positive ints."""
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ConfigError(f"{name} must be (width, height) with two positive ints, got {value!r}")
    return (value[0], value[1])


def take_bool(options: dict[str, Any], key: str, default: bool) -> bool:
    """Pop ``key`` from ``options``; it must be a bool when present."""
    value = options.pop(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"option {key} must be True or False, got {value!r}")
    return value


def take_positive(options: dict[str, Any], key: str, default: float) -> float:
    """Pop ``key`` from ``options``; it must be a number > 0 when present."""
    return check_positive(f"option {key}", options.pop(key, default))


def reject_unknown(
    owner: str,
    options: Mapping[str, Any],
    accepted: Iterable[str],
    unsupported: Mapping[str, str] | None = None,
) -> None:
    """Raise for any key left in ``options``.

    Keys in ``unsupported`` (key -> reason) raise ``UnsupportedOptionError`` with the
    reason; any other key raises ``ConfigError`` listing the accepted ones.
    """
    unsupported = unsupported or {}
    for key in options:
        if key in unsupported:
            raise UnsupportedOptionError(
                f"{owner}: option {key} is not supported: {unsupported[key]}"
            )
    if options:
        unknown = ", ".join(sorted(options))
        raise ConfigError(
            f"{owner}: unknown option(s) {unknown}; accepted: {', '.join(sorted(accepted))}"
        )


def resolve_colorspace(colorspace: str | int | None) -> int | None:
    """Turn ``"COLOR_BGR2GRAY"`` (vidgear's spelling) or a cv2 ``COLOR_*`` code into the code."""
    if colorspace is None:
        return None
    if isinstance(colorspace, int) and not isinstance(colorspace, bool):
        return colorspace
    if isinstance(colorspace, str):
        name = colorspace.strip()
        code = getattr(cv2, name, None) if name.startswith("COLOR_") else None
        if isinstance(code, int):
            return code
    raise ConfigError(
        f"colorspace must be a cv2 COLOR_* name such as 'COLOR_BGR2GRAY' or its int code, "
        f"got {colorspace!r}"
    )
