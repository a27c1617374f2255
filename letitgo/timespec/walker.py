"""Next occurrence of a cron expression in a time zone, on local wall-clock fields.

DST policy (the same for cron and natural-language recurrences):

- A matching wall time that does not exist (spring-forward gap) fires at the first valid instant
  after the gap (``30 2 * * *`` in America/New_York fires at 03:00 EDT on 2026-03-08). Several
  matching times in one gap fire once.
- A matching wall time that occurs twice (fall-back) fires once, at its first occurrence
  (``30 1 * * *`` in America/New_York fires at 01:30 EDT = 05:30Z on 2026-11-01, not again at
  01:30 EST).
- Expressions that fire in every hour of a matching day (the hour field covers 0-23: ``@hourly``,
  ``*/15 * * * *``, ``*/30 * * * * *``) fire at every real instant whose wall time matches:
  nothing moved out of a gap (those hours did not happen), both passes of a repeated hour fire
  (both hours did happen). Each real hour keeps its firings; none is skipped or doubled. (Where the
  clocks move by 30 minutes, as in Australia/Lord_Howe, the wall-clock rule is the one that holds.)

The search walks the months of the month field, takes the matching days of each month (they depend
only on its length and the weekday of its 1st, so each of the 28 shapes is computed once per
expression), then bisects hours, minutes and seconds: a rare date (``0 0 29 2 *``) costs a few month
steps, never a minute-by-minute scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime
from zoneinfo import ZoneInfo

from letitgo.timespec.clock import ONE_SECOND, fold_bounds, locate, whole_second_floor
from letitgo.timespec.cron import CronExpr

SEARCH_YEARS = 400  # one full Gregorian cycle: every month shape occurs in it


def cron_next(expr: CronExpr, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first firing instant strictly after ``after`` (aware), in UTC with whole seconds."""
    local = after.astimezone(zone)
    wall = whole_second_floor(local.replace(tzinfo=None))
    repeated = None
    if local.fold == 1 or (expr.hourly and _is_repeated(local)):
        repeated = fold_bounds(after, zone)
    start = wall + ONE_SECOND
    if local.fold == 1 and repeated is not None:
        # First occurrences of the repeated span are already behind `after`.
        start = max(start, repeated[1])
    found = _first_pass(expr, zone, start)
    if expr.hourly and repeated is not None:
        again = _second_pass(expr, zone, wall, local.fold == 1, repeated)
        if again is not None and (found is None or again < found):
            found = again
    return found


def _is_repeated(local: datetime) -> bool:
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _first_pass(expr: CronExpr, zone: ZoneInfo, start: datetime) -> datetime | None:
    """Walk wall times from ``start``: normal times and first occurrences, gaps per the policy."""
    while True:
        wall = next_wall(expr, start)
        if wall is None:
            return None
        place = locate(wall, zone)
        if place.kind != "gap":
            return place.first
        if not expr.hourly:
            return place.first  # the transition instant: first valid instant after the gap
        assert place.resume is not None
        start = place.resume  # hour-or-finer: those wall times never happened


def _second_pass(
    expr: CronExpr, zone: ZoneInfo, wall: datetime, in_second: bool, span: tuple[datetime, datetime]
) -> datetime | None:
    """Hour-or-finer only: the next second occurrence of a repeated wall time, if one is ahead."""
    span_start, span_end = span
    candidate = next_wall(expr, wall + ONE_SECOND if in_second else span_start)
    if candidate is None or candidate >= span_end:
        return None
    return locate(candidate, zone).second


def next_wall(expr: CronExpr, start: datetime) -> datetime | None:
    """The first naive wall time at or after ``start`` (whole seconds) matching every field."""
    year, month = start.year, start.month
    day, clock = start.day, (start.hour, start.minute, start.second)
    last_year = min(start.year + SEARCH_YEARS, 9998)
    months = expr.months
    while year <= last_year:
        if month in months:
            found = _in_month(expr, year, month, day, clock)
            if found is not None:
                return found
        index = bisect_right(months, month)
        year, month = (year, months[index]) if index < len(months) else (year + 1, months[0])
        day, clock = 1, (0, 0, 0)
    return None


def _in_month(expr: CronExpr, year: int, month: int, day: int, clock: tuple[int, int, int]) -> datetime | None:
    days = expr.days_in(year, month)
    for candidate in days[bisect_left(days, day) :]:
        if candidate == day:
            found = _time_at_or_after(expr, *clock)
            if found is None:
                continue
        else:
            found = (expr.hours[0], expr.minutes[0], expr.seconds[0])
        return datetime(year, month, candidate, *found)
    return None


def _time_at_or_after(expr: CronExpr, hour: int, minute: int, second: int) -> tuple[int, int, int] | None:
    hours, minutes, seconds = expr.hours, expr.minutes, expr.seconds
    i = bisect_left(hours, hour)
    if i == len(hours):
        return None
    if hours[i] > hour:
        return hours[i], minutes[0], seconds[0]
    j = bisect_left(minutes, minute)
    if j < len(minutes):
        if minutes[j] > minute:
            return hour, minutes[j], seconds[0]
        k = bisect_left(seconds, second)
        if k < len(seconds):
            return hour, minute, seconds[k]
        if j + 1 < len(minutes):
            return hour, minutes[j + 1], seconds[0]
    if i + 1 < len(hours):
        return hours[i + 1], minutes[0], seconds[0]
    return None
