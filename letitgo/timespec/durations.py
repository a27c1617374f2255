"""Durations written as seconds (``90``) or with one unit (``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``)."""

from __future__ import annotations

import re

from letitgo.errors import TimeSpecError

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_SECONDS = 10 * 366 * 86400  # ten years: anything longer is a mistake, not a schedule

_DURATION = re.compile(r"(\d+)\s*([smhdw]?)")
_NAMES = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def parse_duration(value: int | str, field: str) -> int:
    """Return a whole number of seconds (at least 1) or raise TimeSpecError naming ``field``."""
    if isinstance(value, bool):
        raise TimeSpecError(field, "expected seconds as an integer or a string like '90s', '15m', '2h', '1d'")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str):
        match = _DURATION.fullmatch(value.strip().lower())
        if match is None:
            raise TimeSpecError(
                field, f"{value!r} is not a duration: use seconds or a form like '90s', '15m', '2h', '1d'"
            )
        seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2) or "s"]
    else:
        raise TimeSpecError(field, "expected seconds as an integer or a string like '90s', '15m', '2h', '1d'")
    return check_seconds(seconds, field)


def check_seconds(seconds: int, field: str, what: str = "") -> int:
    """Return ``seconds`` when it is from 1 second to 10 years, else raise TimeSpecError naming ``field``."""
    if seconds < 1:
        raise TimeSpecError(field, f"{what}must be at least 1 second")
    if seconds > MAX_SECONDS:
        raise TimeSpecError(field, f"{what}must be at most 10 years")
    return seconds


def format_duration(seconds: int) -> str:
    """'15 minutes', '1 hour', '90 seconds' (the largest unit that divides evenly)."""
    for name, size in _NAMES:
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {name}" if count == 1 else f"{count} {name}s"
    return f"{seconds} seconds"  # pragma: no cover - size 1 always divides
