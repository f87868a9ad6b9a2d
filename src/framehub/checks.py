"""Checks of caller-supplied values, shared by every typed config and the option mapping.

Each raises ``ConfigError`` naming the value (``name``) and what is accepted.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from .errors import ConfigError

__all__ = ["Closing", "check_bool", "check_int", "check_seconds"]


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {value!r}")
    return value


def check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{name} must be {bound}, got {value!r}")
    return value


def check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


class Closing:
    """``with`` support for anything whose ``close()`` is idempotent and bounded."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_RATE_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def check_bitrate(name: str, value: object) -> int:
    """Bits per second: an integer, or text such as ``"800k"`` or ``"1.5M"``."""
    if isinstance(value, str):
        text = value.strip().lower().removesuffix("bps").removesuffix("b")
        unit = text[-1:] if text[-1:] in ("k", "m", "g") else ""
        try:
            value = round(float(text[: len(text) - len(unit)]) * _RATE_UNITS[unit])
        except ValueError:
            raise ConfigError(
                f"{name} must be bits per second, e.g. 1000000 or '1M' or '800k', got {value!r}"
            ) from None
    return check_int(f"{name} (bits/s)", value, 10_000, 1_000_000_000)
