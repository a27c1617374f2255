"""One-time phrases: 'in 10 minutes', 'tomorrow at noon', 'next Monday at 3 PM', 'December 24 at 10am'.

Rules that are a choice, not a reading:

- a time without a date is the next such time (today, or tomorrow when it has passed);
- a date without a time is midnight at the start of that day;
- a weekday ('Monday', 'this Monday') is the next such day, today included when the time is still
  ahead; 'next Monday' is never today;
- a date without a year is the next such date;
- 'at 9' (no am/pm) is 09:00: bare hours are on the 24-hour clock;
- a numeric date whose day and month could swap ('02/03/2026') is refused unless ``date_order``
  says which is which ('2026-03-02' is never ambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from letitgo.errors import TimeSpecError
from letitgo.timespec.clock import MAX_YEAR, MIN_YEAR, RANGE_TEXT, iso, wall_to_utc, whole_second_floor
from letitgo.timespec.durations import check_seconds
from letitgo.timespec.lexicon import FIELD, MONTH, MONTHS, NUMBER, UNIT, WEEKDAY, WEEKDAYS, Clock, number, unit_seconds

_RELATIVE = re.compile(
    rf"(?:in|after) (?:(?P<half>half an? hour)|(?P<n>{NUMBER}) (?P<unit>{UNIT}))"
    rf"|(?P<n2>{NUMBER}) (?P<unit2>{UNIT}) from now"
)
_DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2}
_WEEKDAY = re.compile(rf"(?:(?P<which>next|this|coming) )?(?P<wd>{WEEKDAY})")
_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_MONTH_FIRST = re.compile(rf"(?P<mon>{MONTH}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?")
_DAY_FIRST = re.compile(rf"(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<mon>{MONTH})(?:,? (?P<y>\d{{4}}))?")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}))?")


@dataclass(frozen=True)
class DateRule:
    """Which calendar days a phrase can mean, earliest first; ``fixed`` ones may not roll forward."""

    kind: str  # "fixed" | "yearless" | "weekday" | "none"
    day: date | None = None
    month: int = 0
    day_of_month: int = 0
    weekday: int = 0
    strictly_after_today: bool = False

    @property
    def fixed(self) -> bool:
        return self.kind == "fixed"


def read_relative(text: str, now: datetime) -> datetime | None:
    """'in 10 minutes', 'in half an hour', '2 hours from now'."""
    match = _RELATIVE.fullmatch(text)
    if match is None:
        return None
    if match.group("half"):
        seconds = 1800
    else:
        count = match.group("n") or match.group("n2")
        seconds = number(count) * unit_seconds(match.group("unit") or match.group("unit2"))
    if seconds < 1:
        raise TimeSpecError(FIELD, f'"{text}" is not in the future')
    check_seconds(seconds, FIELD, f'"{text}": a delay ')
    return whole_second_floor(now) + timedelta(seconds=seconds)


def read_once(rest: str, times: list[Clock], zone: ZoneInfo, now: datetime, date_order: str | None) -> datetime | None:
    """The instant a one-time phrase means (after its clock times were taken out), or None."""
    if len(times) > 1:
        return None
    rule = read_date(_strip(rest), now.astimezone(zone).date(), date_order)
    if rule is None or (rule.kind == "none" and not times):
        return None
    clock = times[0] if times else (0, 0, 0)
    for day in _days(rule, now.astimezone(zone).date()):
        instant = wall_to_utc(datetime(day.year, day.month, day.day, *clock), zone)
        if instant > now:
            return instant
        if rule.fixed:
            raise TimeSpecError(FIELD, f"{iso(instant)} is in the past")
    return None  # pragma: no cover - rolling rules always reach the future


def _strip(text: str) -> str:
    return re.sub(r"^(?:on|at) |(?: at| on)$", "", text).strip()


def read_date(text: str, today: date, date_order: str | None) -> DateRule | None:
    """Parse the date part of a phrase; an empty one means 'the next such time'."""
    if text == "":
        return DateRule("none")
    if text in _DAY_WORDS:
        return DateRule("fixed", day=today + timedelta(days=_DAY_WORDS[text]))
    if match := _WEEKDAY.fullmatch(text):
        return DateRule(
            "weekday", weekday=WEEKDAYS[match.group("wd")], strictly_after_today=match.group("which") == "next"
        )
    if match := _ISO_DATE.fullmatch(text):
        return DateRule("fixed", day=_date(int(match.group("y")), int(match.group("m")), int(match.group("d")), text))
    if match := _MONTH_FIRST.fullmatch(text) or _DAY_FIRST.fullmatch(text):
        return _named_month(match, text)
    if match := _NUMERIC.fullmatch(text):
        return _numeric(match, text, date_order)
    return None


def _named_month(match: re.Match[str], text: str) -> DateRule:
    month, day = MONTHS[match.group("mon")], int(match.group("d"))
    if match.group("y"):
        return DateRule("fixed", day=_date(int(match.group("y")), month, day, text))
    _date(2000, month, day, text)  # a leap year: refuses only days no year has
    return DateRule("yearless", month=month, day_of_month=day)


def _numeric(match: re.Match[str], text: str, date_order: str | None) -> DateRule:
    first, second = int(match.group("a")), int(match.group("b"))
    order = _numeric_order(first, second, text, date_order)
    day, month = (first, second) if order == "DMY" else (second, first)
    if match.group("y"):
        return DateRule("fixed", day=_date(int(match.group("y")), month, day, text))
    _date(2000, month, day, text)
    return DateRule("yearless", month=month, day_of_month=day)


def _numeric_order(first: int, second: int, text: str, date_order: str | None) -> str:
    if date_order == "YMD":
        raise TimeSpecError(FIELD, f'"{text}" does not fit date_order YMD (write it as YYYY-MM-DD)')
    if date_order in ("DMY", "MDY"):
        return date_order
    if first > 12 >= second:
        return "DMY"
    if second > 12 >= first:
        return "MDY"
    if first == second:
        return "DMY"
    raise TimeSpecError(
        FIELD,
        f'"{text}" is ambiguous: day {first} of month {second}, or day {second} of month {first}? '
        'Set date_order to "DMY" or "MDY", or write the date as YYYY-MM-DD',
    )


def _date(year: int, month: int, day: int, text: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TimeSpecError(FIELD, f'"{text}" is out of range: a time must be {RANGE_TEXT}')
    try:
        return date(year, month, day)
    except ValueError:
        raise TimeSpecError(FIELD, f'"{text}" is not a valid date') from None


def _days(rule: DateRule, today: date) -> Iterator[date]:
    """Candidate days, earliest first (at most a few are ever needed)."""
    if rule.kind == "fixed":
        assert rule.day is not None
        yield rule.day
    elif rule.kind == "none":
        yield today
        yield today + timedelta(days=1)
    elif rule.kind == "weekday":
        ahead = (rule.weekday - (today.isoweekday() % 7)) % 7
        if ahead == 0 and rule.strictly_after_today:
            ahead = 7
        yield today + timedelta(days=ahead)
        yield today + timedelta(days=ahead + 7)
    else:
        for year in range(today.year, today.year + 9):
            try:
                yield date(year, rule.month, rule.day_of_month)
            except ValueError:
                continue  # 29 February outside leap years
