"""Zones, RFC 3339 parsing and the mapping from local wall-clock times to UTC instants.

A wall time is a naive datetime read in a zone. It is one of:

- ``normal``: it exists once;
- ``gap``: it does not exist (the clocks jumped over it); it maps to the transition instant,
  the first valid instant after the gap;
- ``fold``: it exists twice (the clocks went back); it maps to its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from letitgo.errors import TimeSpecError

ONE_SECOND = timedelta(seconds=1)

# The years a time a user gives may fall in: far enough inside datetime's 1..9999 that adding a UTC
# offset, a zone, ten-year intervals or a list of upcoming runs to one never overflows. Anything
# outside is a typo, not a plan.
MIN_YEAR, MAX_YEAR = 1970, 8999
RANGE_TEXT = f"between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31"

RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class WallInstant:
    """Where a wall time lands: ``first`` is the instant it fires at under the DST policy."""

    kind: str  # "normal" | "gap" | "fold"
    first: datetime  # UTC: the instant itself, the transition (gap) or the first occurrence (fold)
    second: datetime | None = None  # UTC, fold only: the second occurrence
    resume: datetime | None = None  # naive wall time, gap only: the first wall time after the gap


def get_zone(name: str | None, field: str = "timezone") -> ZoneInfo:
    """Return the IANA zone ``name`` (default UTC) or raise TimeSpecError naming ``field``."""
    if name is None or name == "":
        return ZoneInfo("UTC")
    if not isinstance(name, str) or name.startswith(("/", ".")) or ".." in name:
        raise TimeSpecError(field, f"unknown time zone {name!r}: use an IANA name like 'Europe/Paris'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeSpecError(field, f"unknown time zone {name!r}: use an IANA name like 'Europe/Paris'") from None


# Files in the zone database that are not zones a user means: the host's own zone (what it is depends
# on the machine) and the placeholder zone of unconfigured systems.
NOT_USER_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA name -> canonical spelling, for the zones a user may give."""
    return {name.lower(): name for name in available_timezones() if name not in NOT_USER_ZONES}


def user_zone(name: str | None, field: str = "timezone") -> ZoneInfo:
    """The zone a user named: an IANA name in any letter case, surrounding blanks ignored (default UTC)."""
    if name is None or not str(name).strip():
        return ZoneInfo("UTC")
    names = _zone_names()
    canonical = names.get(str(name).strip().lower()) if names else str(name).strip()
    if canonical is None:
        raise TimeSpecError(field, f"unknown time zone {name!r}: use an IANA name like 'Europe/Paris'")
    return get_zone(canonical, field)


def check_in_range(value: datetime, field: str) -> datetime:
    """Return ``value`` (aware) or raise TimeSpecError naming ``field`` when it is outside the supported years."""
    if not MIN_YEAR <= value.astimezone(UTC).year <= MAX_YEAR:
        raise TimeSpecError(field, f"{iso(value)} is out of range: a time must be {RANGE_TEXT}")
    return value


def require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` in UTC; a naive datetime here is a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def whole_second_ceil(value: datetime) -> datetime:
    """Round up to a whole second, so a time is never fired before the instant asked for."""
    if value.microsecond:
        return value.replace(microsecond=0) + ONE_SECOND
    return value


def whole_second_floor(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def parse_rfc3339(text: str, zone: ZoneInfo, field: str) -> datetime:
    """Parse an RFC 3339 date-time to UTC; without an offset it is a wall time in ``zone``."""
    match = RFC3339.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise TimeSpecError(field, f"{text!r} is not an RFC 3339 date-time like 2026-12-24T10:00:00+02:00")
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TimeSpecError(field, f"{text!r} is out of range: a time must be {RANGE_TEXT}")
    fraction = match.group(7) or ""
    micro = int((fraction + "000000")[:6]) if fraction else 0
    if fraction[6:].strip("0"):
        micro += 1  # keep rounding upwards below a microsecond
    try:
        wall = datetime(year, month, day, hour, minute, second) + timedelta(microseconds=micro)
    except ValueError as exc:
        raise TimeSpecError(field, f"{text!r} is not a valid date-time: {exc}") from None
    offset = match.group(8)
    if offset is None:
        return wall_to_utc(wall, zone)
    return (wall - _offset(offset, text, field)).replace(tzinfo=UTC)


def _offset(raw: str, text: str, field: str) -> timedelta:
    if raw in ("Z", "z"):
        return timedelta(0)
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise TimeSpecError(field, f"{text!r} has an invalid UTC offset {raw!r}")
    sign = -1 if raw[0] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def locate(wall: datetime, zone: ZoneInfo) -> WallInstant:
    """Classify a naive wall time in ``zone`` and give the instant(s) it maps to."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return WallInstant("normal", early)
    if early < late:
        return WallInstant("fold", early, second=late)
    # In a gap PEP 495 maps fold=0 with the offset before the jump, which lands after it.
    transition = find_transition(late, early, zone)
    resume = transition.astimezone(zone).replace(tzinfo=None)
    return WallInstant("gap", transition, resume=resume)


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Map a naive wall time to UTC: a gap gives the first valid instant after it, a fold its first occurrence."""
    return locate(wall, zone).first


def find_transition(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (before, after] whose UTC offset differs from ``before``'s (UTC, whole seconds)."""
    low, high = before, after
    start_offset = before.astimezone(zone).utcoffset()
    while high - low > ONE_SECOND:
        middle = whole_second_floor(low + (high - low) / 2)
        if middle <= low:
            middle = low + ONE_SECOND
        if middle.astimezone(zone).utcoffset() == start_offset:
            low = middle
        else:
            high = middle
    return high


def fold_bounds(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """When ``instant`` reads as a repeated wall time, return (first wall, end wall) of the repeated span."""
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None)
    place = locate(whole_second_floor(wall), zone)
    if place.kind != "fold" or place.second is None:
        return None
    transition = find_transition(place.first, place.second, zone)
    before = transition - ONE_SECOND
    old_offset = before.astimezone(zone).utcoffset()
    new_offset = transition.astimezone(zone).utcoffset()
    assert old_offset is not None and new_offset is not None
    start = (transition + new_offset).replace(tzinfo=None)
    end = (transition + old_offset).replace(tzinfo=None)
    return start, end


def iso(value: datetime) -> str:
    """RFC 3339 in UTC with a Z, for messages."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
