"""Recurring phrases -> a cron expression (5 or 6 fields) or a fixed interval in seconds.

A phrase is a frequency ('every 15 minutes', 'hourly'), a set of days ('every weekday', 'on the 1st
of every month', 'every year on December 24'), or both ('every 15 minutes on weekdays'), plus clock
times for the day forms ('at 9am and 5pm'; a day form without a time means midnight).

Steps that divide their unit evenly stay on the wall clock as cron ('every 15 minutes' fires at
:00, :15, :30, :45; 'every 2 hours' at even hours); other steps ('every 7 minutes', 'every 5
hours', 'every 2 days') become a fixed interval from now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from letitgo.errors import TimeSpecError
from letitgo.timespec.durations import check_seconds
from letitgo.timespec.lexicon import (
    FIELD,
    MONTH,
    MONTHS,
    NUMBER,
    WEEKDAY,
    WEEKDAYS,
    Clock,
    number,
    ordinal,
    unit_seconds,
)

_DAY = rf"(?:{WEEKDAY})s?"
_DAY_LIST = rf"{_DAY}(?:(?: ?, ?| and | & |, and | or )(?:every |on )?{_DAY})*"
_PLURAL_LIST = rf"(?:{WEEKDAY})s(?:(?: ?, ?| and | & |, and | or )(?:{WEEKDAY})s)*"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?|first|last"
_NTH = r"first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th"
_MONTHDAY = (
    rf"(?:(?P<mon>{MONTH}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?:the )?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<mon2>{MONTH}))"
)
_EVERY = r"(?:every|each)"
_OF_MONTH = r"of (?:every|each|the|a) month"


@dataclass(frozen=True)
class Days:
    """The day fields of a cron expression."""

    dom: str = "*"
    month: str = "*"
    dow: str = "*"


@dataclass(frozen=True)
class Frequency:
    """Sub-daily cron fields, or a fixed interval."""

    second: str = "0"
    minute: str = "0"
    hour: str = "*"
    interval: int | None = None
    per_day: bool = False  # 'every 1 day' / 'every 1 week': a day form, so clock times apply
    weekly: bool = False


@dataclass(frozen=True)
class Reading:
    kind: str  # "cron" | "interval"
    cron: str | None = None
    seconds: int | None = None


def _weekday_list(text: str) -> str:
    names = re.findall(WEEKDAY, text)
    return ",".join(str(d) for d in sorted({WEEKDAYS[n] for n in names}))


def _day_of_month(word: str) -> str:
    if word == "last":
        return "L"
    value = ordinal(word)
    if not 1 <= value <= 31:
        raise TimeSpecError(FIELD, f'"{word}" is not a day of the month')
    return str(value)


def _nth_weekday(match: re.Match[str]) -> Days:
    weekday = WEEKDAYS[match.group("wd")]
    which = match.group("n")
    return Days(dow=f"{weekday}L" if which == "last" else f"{weekday}#{ordinal(which)}")


def _yearly(match: re.Match[str]) -> Days:
    if match.group("mon") is None and match.group("mon2") is None:
        return Days(dom="1", month="1")
    month = MONTHS[match.group("mon") or match.group("mon2")]
    return Days(dom=_day_of_month(match.group("d") or match.group("d2")), month=str(month))


DAY_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Days]]] = [
    (re.compile(rf"(?:{_EVERY} (?:single )?day|daily|everyday)"), lambda m: Days()),
    (re.compile(rf"(?:(?:{_EVERY}|on) )?(?:week ?days|weekdays)|{_EVERY} week ?day|(?:{_EVERY} |on )?"
                r"(?:monday|mon) ?(?:to|through|thru|-) ?(?:friday|fri)"), lambda m: Days(dow="1-5")),
    (re.compile(rf"(?:(?:{_EVERY}|on|at) )?(?:the )?weekends|(?:{_EVERY}|on|at) (?:the )?weekend(?: days?)?"),
     lambda m: Days(dow="0,6")),
    (re.compile(rf"(?:weekly|{_EVERY} week)(?: on (?P<list>{_DAY_LIST}))?"),
     lambda m: Days(dow=_weekday_list(m.group("list")) if m.group("list") else "0")),
    (re.compile(rf"{_EVERY} (?P<list>{_DAY_LIST})|(?:on )?(?P<plural>{_PLURAL_LIST})"),
     lambda m: Days(dow=_weekday_list(m.group("list") or m.group("plural")))),
    (re.compile(rf"(?:on )?the last weekday {_OF_MONTH}"), lambda m: Days(dom="LW")),
    (re.compile(rf"(?:(?:{_EVERY}|on) )?the (?P<n>{_NTH}) (?P<wd>{WEEKDAY}) {_OF_MONTH}"
                rf"|{_EVERY} (?P<n2>{_NTH}) (?P<wd2>{WEEKDAY}) of the month"),
     lambda m: _nth_weekday(m) if m.group("n") else _nth_weekday(_regroup(m))),
    (re.compile(rf"(?:{_EVERY} month|monthly)(?: on the (?P<d>{_ORD})(?: day)?)?"
                rf"|(?:on )?the (?P<d2>{_ORD})(?: day)? {_OF_MONTH}|{_EVERY} (?P<d3>{_ORD})(?: day)? of the month"),
     lambda m: Days(dom=_day_of_month(m.group("d") or m.group("d2") or m.group("d3") or "1"))),
    (re.compile(rf"(?:{_EVERY} year|yearly|annually)(?: on {_MONTHDAY})?"), _yearly),
    (re.compile(rf"{_EVERY} {_MONTHDAY}"), _yearly),
    (re.compile(rf"on {_MONTHDAY} {_EVERY} year"), _yearly),
]  # fmt: skip

_FREQUENCY = re.compile(
    rf"{_EVERY} (?:(?P<n>{NUMBER}) )?(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?)"
    rf"|{_EVERY} (?P<nd>{NUMBER}) (?P<unitd>days?|weeks?)"
    rf"|{_EVERY} (?P<half>half(?: an?)? hour|half-hour|quarter(?: of an)? hour|quarter-hour)"
    r"|(?P<word>hourly|minutely)"
)


def _regroup(match: re.Match[str]) -> re.Match[str]:
    """The 'every first Monday of the month' form: same groups under other names."""
    again = re.fullmatch(rf"(?P<n>{_NTH}) (?P<wd>{WEEKDAY})", f"{match.group('n2')} {match.group('wd2')}")
    assert again is not None
    return again


def read_every(rest: str, times: list[Clock]) -> Reading | None:
    """Read a recurring phrase (clock times already taken out), or None when it is not one."""
    days, frequency = _components(rest)
    if days is None and frequency is None:
        return None
    if frequency is not None:
        return _with_frequency(frequency, days, times)
    assert days is not None
    return Reading("cron", cron=_cron(_clock_fields(times or [(0, 0, 0)]), days))


def _components(rest: str) -> tuple[Days | None, Frequency | None]:
    days: Days | None = None
    frequency: Frequency | None = None
    text = rest
    while text:
        if frequency is None and (match := _FREQUENCY.match(text)) and _ends_word(text, match):
            frequency, text = _frequency(match), text[match.end() :]
        elif days is None and (found := _day_form(text)) is not None:
            days, text = found
        else:
            return None, None
        text = re.sub(r"^(?:,? ?and |, |on )", "", text.strip()).strip()
    return days, frequency


def _ends_word(text: str, match: re.Match[str]) -> bool:
    return match.end() == len(text) or not text[match.end()].isalnum()


def _day_form(text: str) -> tuple[Days, str] | None:
    for pattern, build in DAY_FORMS:
        match = pattern.match(text)
        if match and _ends_word(text, match):
            return build(match), text[match.end() :]
    return None


def _frequency(match: re.Match[str]) -> Frequency:
    if match.group("word"):
        return _step(3600 if match.group("word") == "hourly" else 60)
    if match.group("half"):
        return _step(1800 if match.group("half").startswith("half") else 900)
    if match.group("unitd"):
        count, unit = number(match.group("nd")), unit_seconds(match.group("unitd"))
        if count == 1:
            return Frequency(hour="0", per_day=True, weekly=unit > 86400)
        return Frequency(interval=check_seconds(count * unit, FIELD, "an interval "))
    return _step(number(match.group("n")) * unit_seconds(match.group("unit")))


def _step(seconds: int) -> Frequency:
    """Cron fields when the step divides its unit evenly, else a fixed interval."""
    check_seconds(seconds, FIELD, "an interval ")
    if seconds < 60 and 60 % seconds == 0:
        return Frequency(second="*" if seconds == 1 else f"*/{seconds}", minute="*")
    minutes = seconds // 60
    if seconds % 60 == 0 and minutes < 60 and 60 % minutes == 0:
        return Frequency(minute="*" if minutes == 1 else f"*/{minutes}")
    hours = seconds // 3600
    if seconds % 3600 == 0 and hours < 24 and 24 % hours == 0:
        return Frequency(hour="*" if hours == 1 else f"*/{hours}")
    return Frequency(interval=seconds)


def _with_frequency(frequency: Frequency, days: Days | None, times: list[Clock]) -> Reading | None:
    if frequency.per_day:
        days = days or Days(dow="0" if frequency.weekly else "*")
        return Reading("cron", cron=_cron(_clock_fields(times or [(0, 0, 0)]), days))
    if frequency.interval is not None:
        if days is not None or times:
            return None  # 'every 5 hours on Mondays' has no single meaning
        return Reading("interval", seconds=frequency.interval)
    if times:
        return None  # 'every 15 minutes at 9am' has no single meaning
    fields = (frequency.second, frequency.minute, frequency.hour)
    return Reading("cron", cron=_cron(fields, days or Days()))


def _clock_fields(times: list[Clock]) -> tuple[str, str, str]:
    minutes = {(m, s) for _, m, s in times}
    if len(minutes) > 1:
        shown = " and ".join(f"{h:02d}:{m:02d}" for h, m, _ in sorted(times))
        raise TimeSpecError(FIELD, f"{shown} have different minutes: one schedule cannot fire at both; create two")
    minute, second = minutes.pop()
    hours = ",".join(str(h) for h in sorted({h for h, _, _ in times}))
    return str(second), str(minute), hours


def _cron(clock: tuple[str, str, str], days: Days) -> str:
    second, minute, hour = clock
    fields = [minute, hour, days.dom, days.month, days.dow]
    return " ".join([second, *fields] if second != "0" else fields)
