"""TimeInput -> Recurrence, and the occurrences of a Recurrence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from letitgo.errors import TimeSpecError
from letitgo.timespec.clock import (
    RANGE_TEXT,
    check_in_range,
    get_zone,
    iso,
    parse_rfc3339,
    require_aware,
    user_zone,
    whole_second_ceil,
    whole_second_floor,
)
from letitgo.timespec.cron import parse_cron
from letitgo.timespec.describe import describe
from letitgo.timespec.durations import parse_duration
from letitgo.timespec.model import Draft, Recurrence, TimeInput
from letitgo.timespec.text import draft_from_text
from letitgo.timespec.walker import cron_next

if TYPE_CHECKING:
    from letitgo.timespec.llm import LLMClient

TIME_FIELDS = ("schedule_time", "cron_expression", "time_as_text", "interval", "delay")
DATE_ORDERS = ("DMY", "MDY", "YMD")
MAX_RUNS = 10_000


@dataclass(frozen=True)
class Window:
    start_at: datetime | None
    end_at: datetime | None


def resolve(spec: TimeInput, now: datetime, *, llm: LLMClient | None = None) -> Recurrence:
    """Read exactly one time field of ``spec`` relative to ``now``; raise TimeSpecError naming the field."""
    now = require_aware(now, "now")
    chosen = _chosen_field(spec)
    zone = user_zone(spec.timezone)
    try:
        window = _window(spec, zone, now)
        draft = _draft(chosen, spec, zone, now, llm)
        rec = _recurrence(draft, zone, now, window)
    except OverflowError:  # a computed time beyond datetime's years, whatever the path that led there
        raise TimeSpecError(chosen, f"out of range: every time must be {RANGE_TEXT}") from None
    check_in_range(rec.first_run, draft.field)
    return replace(rec, description=describe(rec))


def _chosen_field(spec: TimeInput) -> str:
    given = [name for name in TIME_FIELDS if _present(getattr(spec, name))]
    if len(given) != 1:
        got = f" (got {', '.join(given)})" if given else ""
        raise TimeSpecError("schedule_time", f"give exactly one of {', '.join(TIME_FIELDS)}{got}")
    return given[0]


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _window(spec: TimeInput, zone: ZoneInfo, now: datetime) -> Window:
    start = _bound(spec.start_at, zone, "start_at")
    end = _bound(spec.end_at, zone, "end_at")
    if end is not None and end <= now:
        raise TimeSpecError("end_at", f"{iso(end)} is in the past")
    if start is not None and end is not None and end <= start:
        raise TimeSpecError("end_at", "must be after start_at")
    return Window(start, end)


def _bound(value: str | None, zone: ZoneInfo, field: str) -> datetime | None:
    """start_at rounds up and end_at down, so neither widens the window by a fraction of a second."""
    if value is None or not _present(value):
        return None
    instant = parse_rfc3339(value, zone, field)
    return whole_second_ceil(instant) if field == "start_at" else whole_second_floor(instant)


def _draft(chosen: str, spec: TimeInput, zone: ZoneInfo, now: datetime, llm: LLMClient | None) -> Draft:
    if chosen == "schedule_time":
        at = whole_second_ceil(parse_rfc3339(str(spec.schedule_time), zone, "schedule_time"))
        return Draft("once", "schedule_time", at=at)
    if chosen == "cron_expression":
        return Draft("cron", "cron_expression", cron=parse_cron(str(spec.cron_expression), "cron_expression"))
    if chosen == "interval":
        return Draft("interval", "interval", seconds=parse_duration(_duration(spec.interval), "interval"))
    if chosen == "delay":
        seconds = parse_duration(_duration(spec.delay), "delay")
        return Draft("once", "delay", at=whole_second_floor(now) + timedelta(seconds=seconds))
    order = _date_order(spec.date_order)
    return draft_from_text(str(spec.time_as_text), zone, now, order, llm)


def _duration(value: int | str | None) -> int | str:
    assert value is not None
    return value


def _date_order(value: str | None) -> str | None:
    if not _present(value):
        return None
    order = str(value).strip().upper()
    if order not in DATE_ORDERS:
        raise TimeSpecError("date_order", f"must be one of {', '.join(DATE_ORDERS)}")
    return order


def _recurrence(draft: Draft, zone: ZoneInfo, now: datetime, window: Window) -> Recurrence:
    name = zone.key
    if draft.kind == "once":
        assert draft.at is not None
        return _once(draft, draft.at, name, now, window)
    if draft.kind == "cron":
        assert draft.cron is not None
        first = cron_next(draft.cron, zone, max(now, window.start_at or now))
        if first is None:  # pragma: no cover - parse_cron refuses expressions that never fire
            raise TimeSpecError(draft.field, "this expression never fires")
        rec = Recurrence(
            "cron", name, first, cron=draft.cron.text, end_at=window.end_at, understood_as=draft.understood_as
        )
    else:
        assert draft.seconds is not None
        anchor, first = _interval_start(draft.seconds, now, window.start_at)
        rec = Recurrence(
            "interval",
            name,
            first,
            interval_seconds=draft.seconds,
            anchor=anchor,
            end_at=window.end_at,
            understood_as=draft.understood_as,
        )
    if window.end_at is not None and rec.first_run > window.end_at:
        raise TimeSpecError("end_at", f"no occurrence before end_at: the first would be {iso(rec.first_run)}")
    return rec


def _once(draft: Draft, at: datetime, zone_name: str, now: datetime, window: Window) -> Recurrence:
    if window.start_at is not None or window.end_at is not None:
        which = "start_at" if window.start_at is not None else "end_at"
        raise TimeSpecError(which, f"{which} applies only to recurring schedules (cron, interval, recurring text)")
    if at <= now:
        raise TimeSpecError(draft.field, f"{iso(at)} is in the past (now is {iso(whole_second_floor(now))})")
    return Recurrence("once", zone_name, at, understood_as=draft.understood_as)


def _interval_start(seconds: int, now: datetime, start_at: datetime | None) -> tuple[datetime, datetime]:
    """(anchor, first run): a future start_at is the first run; a past one keeps its grid; none -> now + interval."""
    step = timedelta(seconds=seconds)
    if start_at is None:
        anchor = whole_second_floor(now)
        return anchor, anchor + step
    if start_at > now:
        return start_at, start_at
    return start_at, start_at + ((now - start_at) // step + 1) * step


def next_after(rec: Recurrence, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (UTC, whole seconds), or None when exhausted."""
    after = require_aware(after, "after")
    first = require_aware(rec.first_run, "first_run")
    if rec.kind == "once":
        return first if first > after else None
    if after < first:
        found: datetime | None = first
    elif rec.kind == "cron":
        found = cron_next(parse_cron(rec.cron or ""), get_zone(rec.timezone), after)
    elif rec.kind == "interval":
        try:
            found = _interval_next(rec, first, after)
        except OverflowError:  # the next run would be past year 9999: the recurrence has run out
            found = None
    else:
        raise ValueError(f"unknown recurrence kind {rec.kind!r}")
    if found is not None and rec.end_at is not None and found > require_aware(rec.end_at, "end_at"):
        return None
    return found


def _interval_next(rec: Recurrence, first: datetime, after: datetime) -> datetime:
    if not rec.interval_seconds or rec.interval_seconds < 1:
        raise ValueError("an interval recurrence needs interval_seconds >= 1")
    anchor = require_aware(rec.anchor, "anchor") if rec.anchor is not None else first
    step = timedelta(seconds=rec.interval_seconds)
    return anchor + ((after - anchor) // step + 1) * step


def next_runs(rec: Recurrence, after: datetime, count: int) -> list[datetime]:
    """Up to ``count`` occurrences strictly after ``after``, in order."""
    runs: list[datetime] = []
    current: datetime | None = after
    while current is not None and len(runs) < min(count, MAX_RUNS):
        current = next_after(rec, current)
        if current is not None:
            runs.append(current)
    return runs
