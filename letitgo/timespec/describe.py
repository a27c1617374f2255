"""Short English descriptions of a Recurrence ("every day at 15:00 (America/Los_Angeles)")."""

from __future__ import annotations

import calendar
from datetime import datetime

from letitgo.timespec.clock import get_zone
from letitgo.timespec.cron import CronExpr, parse_cron
from letitgo.timespec.durations import format_duration
from letitgo.timespec.model import Recurrence

WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
ALL_DOM = frozenset(range(1, 32))
ALL_DOW = frozenset(range(7))
MAX_LISTED_TIMES = 8


def describe(rec: Recurrence) -> str:
    """A one-line human description of any kind of Recurrence."""
    zone = rec.timezone
    until = f", until {_local(rec.end_at, zone)}" if rec.end_at is not None else ""
    if rec.kind == "once":
        return f"once at {_local(rec.first_run, zone)} ({zone})"
    if rec.kind == "interval":
        every = format_duration(rec.interval_seconds or 0)
        return f"every {every} from {_local(rec.first_run, zone)} ({zone}){until}"
    return f"{cron_phrase(parse_cron(rec.cron or ''))} ({zone}){until}"


def _local(value: datetime, zone: str) -> str:
    local = value.astimezone(get_zone(zone))
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def cron_phrase(expr: CronExpr) -> str:
    """English for common expressions; the expression itself for the rest."""
    days = _days(expr)
    timing = _times_of_day(expr)
    if days is not None and timing is not None:
        joiner = ", " if timing.startswith("every") else " at "
        return f"{days[0]}{joiner}{timing}"
    frequent = _frequency(expr)
    if days is not None and frequent is not None:
        return frequent if days[1] == "" else f"{frequent} {days[1]}"
    return f"cron '{expr.text}'"


def _times_of_day(expr: CronExpr) -> str | None:
    """'15:00', '09:00 and 17:00', 'every hour from 08:00 to 18:00'."""
    hours = expr.hours
    if len(expr.minutes) != 1 or len(expr.seconds) != 1 or len(hours) == 24:
        return None
    minute, second = expr.minutes[0], expr.seconds[0]
    times = [f"{h:02d}:{minute:02d}" + (f":{second:02d}" if second else "") for h in hours]
    if len(hours) <= MAX_LISTED_TIMES:
        return _join(times)
    if hours == tuple(range(hours[0], hours[-1] + 1)):
        return f"every hour from {times[0]} to {times[-1]}"
    return None


def _frequency(expr: CronExpr) -> str | None:
    """'every 15 minutes', 'every hour at minute 30', 'every 30 seconds', 'every 2 hours'."""
    seconds, minutes, hours = expr.seconds, expr.minutes, expr.hours
    if len(hours) == 24 and len(minutes) == 60:
        if seconds == (0,):
            return "every minute"
        step = _step(seconds, 60)
        return None if step is None else ("every second" if step == 1 else f"every {step} seconds")
    if seconds != (0,):
        return None
    if len(hours) == 24:
        step = _step(minutes, 60)
        if step is not None:
            return f"every {step} minutes"
        at = (
            "" if minutes == (0,) else f" at minute{'s' if len(minutes) > 1 else ''} {_join([str(m) for m in minutes])}"
        )
        return f"every hour{at}"
    step = _step(hours, 24)
    if step is None or len(minutes) != 1:
        return None
    return f"every {step} hours" + ("" if minutes == (0,) else f" at minute {minutes[0]}")


def _step(values: tuple[int, ...], size: int) -> int | None:
    """n when values are exactly 0, n, 2n... and n divides ``size`` evenly (n > 1)."""
    if len(values) < 2 or values[0] != 0:
        return None
    step = values[1] - values[0]
    if size % step or values != tuple(range(0, size, step)):
        return None
    return step


def _days(expr: CronExpr) -> tuple[str, str] | None:
    """(lead, filter): 'every Monday' / 'on Mondays' style phrases, or None when not simple."""
    dom, dow = expr.dom, expr.dow
    dom_all = dom.days == ALL_DOM and not (dom.last or dom.last_weekday or dom.near_weekday)
    dow_all = dow.days == ALL_DOW and not (dow.last or dow.nth)
    either = not (dom.star or dow.star)  # Vixie: both restricted, a day matches if either matches
    months = _months(expr)
    if (dom_all and dow_all) or (either and (dom_all or dow_all)):
        return ("every day", "") if months is None else (f"every day in {months}", f"in {months}")
    if dom_all and dom.star:
        weekdays = _weekdays(expr)
        where = f" in {months}" if months else ""
        return None if weekdays is None else (f"{weekdays[0]}{where}", f"{weekdays[1]}{where}")
    if (dow_all and dow.star) or either:
        phrase = _month_days(expr, months)
        return None if phrase is None else (phrase, phrase)
    return None


def _months(expr: CronExpr) -> str | None:
    if len(expr.months) == 12:
        return None
    return _join([calendar.month_name[m] for m in expr.months])


def _weekdays(expr: CronExpr) -> tuple[str, str] | None:
    """('every Monday and Wednesday', 'on Mondays and Wednesdays'), with nth/last weekdays of the month."""
    dow = expr.dow
    leads, filters = [], []
    if dow.days == frozenset(range(1, 6)):
        leads.append("every weekday")
        filters.append("on weekdays")
    elif dow.days:
        names = [WEEKDAY_NAMES[d] for d in sorted(dow.days, key=lambda d: (d + 6) % 7)]
        leads.append(f"every {_join(names)}")
        filters.append(f"on {_join([n + 's' for n in names])}")
    monthly = [f"{ORDINALS[n]} {WEEKDAY_NAMES[d]}" for d, n in sorted(dow.nth)]
    monthly += [f"last {WEEKDAY_NAMES[d]}" for d in sorted(dow.last)]
    if monthly:
        phrase = f"on the {_join(monthly)} of every month"
        leads.append(phrase)
        filters.append(phrase)
    if not leads:
        return None
    return " and ".join(leads), " and ".join(filters)


def _month_days(expr: CronExpr, months: str | None) -> str | None:
    """'on the 1st of every month', 'every year on December 24', with the OR'ed weekdays if any."""
    dom = expr.dom
    if dom.star and dom.days != ALL_DOM:
        return None  # a step like */2: no short phrase
    parts = [_ordinal(d) for d in sorted(dom.days)] if dom.days != ALL_DOM else []
    parts += ["last day"] if dom.last else []
    parts += ["last weekday"] if dom.last_weekday else []
    parts += [f"weekday nearest the {_ordinal(n)}" for n in sorted(dom.near_weekday)]
    if not parts:
        return None
    if months and len(expr.months) == 1 and dom.days and not (dom.last or dom.last_weekday or dom.near_weekday):
        phrase = f"every year on {months} {_join([str(d) for d in sorted(dom.days)])}"
    else:
        phrase = f"on the {_join(parts)} of {months or 'every month'}"
    if expr.dow.days != ALL_DOW or expr.dow.nth or expr.dow.last:
        weekdays = _weekdays(expr)
        where = f" in {months}" if months else ""  # the month field limits the weekdays too
        phrase += f" and {weekdays[0]}{where}" if weekdays else ""
    return phrase


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
