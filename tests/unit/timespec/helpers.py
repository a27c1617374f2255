"""Small builders shared by the time-specification tests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from letitgo.timespec.cron import parse_cron
from letitgo.timespec.walker import cron_next


def utc(text: str) -> datetime:
    """'2026-11-01T05:30' or '2026-11-01T05:30:15' -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """Aware datetime -> '2026-11-01T05:30:00Z' (asserting it is UTC with whole seconds)."""
    if value is None:
        return None
    assert value.tzinfo is UTC, value
    assert value.microsecond == 0, value
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def fires(expr: str, zone: str, after: str, count: int) -> list[str]:
    """The next ``count`` firings of ``expr`` in ``zone`` strictly after ``after`` (UTC), as ISO strings."""
    parsed, tz = parse_cron(expr), ZoneInfo(zone)
    out: list[str] = []
    current: datetime | None = utc(after)
    while len(out) < count:
        assert current is not None
        current = cron_next(parsed, tz, current)
        out.append(iso(current) or "none")
    return out
