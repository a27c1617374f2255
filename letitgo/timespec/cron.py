"""The cron dialect LetItGo accepts, parsed into plain sets (occurrences are computed in ``walker``).

Fields, separated by blanks:

- 5 fields: ``minute hour day-of-month month day-of-week`` (the second is 0);
- 6 fields: ``second minute hour day-of-month month day-of-week`` -- SECONDS FIRST, so
  ``*/30 * * * * *`` fires every 30 seconds;
- macros: ``@yearly``/``@annually`` (``0 0 1 1 *``), ``@monthly`` (``0 0 1 * *``),
  ``@weekly`` (``0 0 * * 0``), ``@daily``/``@midnight`` (``0 0 * * *``), ``@hourly`` (``0 * * * *``).

Each field is a comma-separated list of items: ``*``, a value, a range ``a-b``, and a step on
any of them (``*/15``, ``10-40/5``, ``5/10`` meaning ``5-<max>/10``). Months may be written
JAN-DEC and days of the week SUN-SAT (any case); day-of-week 0 and 7 are both Sunday.
``?`` is accepted as ``*`` in the two day fields. Ranges must go upwards (``FRI-MON`` is refused).

Day fields, Vixie cron semantics: when both day fields are restricted, a day matches if EITHER
matches (``0 0 1 * MON`` = the 1st and every Monday). A day field whose text starts with ``*``
(``*``, ``*/2``) does not count as restricted, so then a day must match BOTH (``0 0 */2 * MON``
= Mondays with an odd day of the month).

Extensions:

- day-of-month ``L`` (last day of the month), ``LW`` (last weekday, Monday to Friday, of the
  month), ``15W`` (the weekday nearest the 15th, never crossing into another month);
- day-of-week ``5L`` / ``FRIL`` (last Friday of the month) and ``1#2`` / ``MON#2`` (second
  Monday of the month, 1 to 5).

Refused, with a message naming the field: anything else (a year field, ``@reboot``, ``H``,
``L`` alone in day-of-week, ``L-3``...), out-of-range values, zero steps, backward ranges, and
expressions that can never fire (``0 0 31 2 *``: February never has 31 days).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from functools import lru_cache

from letitgo.errors import TimeSpecError

FIELDS = ("second", "minute", "hour", "day-of-month", "month", "day-of-week")
BOUNDS = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "day-of-month": (1, 31),
    "month": (1, 12),
    "day-of-week": (0, 7),
}
MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
NAMES = {"month": MONTHS, "day-of-week": WEEKDAYS}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTH_LENGTHS = {m: ((28, 29) if m == 2 else (calendar.monthrange(2001, m)[1],)) for m in range(1, 13)}

_NEAR_WEEKDAY = re.compile(r"(\d+)W")
_LAST_WEEKDAY_OF = re.compile(r"(\w+?)L")
_NTH_WEEKDAY = re.compile(r"(\w+)#(\d+)")


class CronSyntaxError(Exception):
    """Internal: why an expression was refused (turned into TimeSpecError with the caller's field)."""


@dataclass(frozen=True)
class DayOfMonth:
    days: frozenset[int]
    last: bool = False  # L
    last_weekday: bool = False  # LW
    near_weekday: frozenset[int] = frozenset()  # nW
    star: bool = False  # text starts with * or ?: not "restricted" for the Vixie OR rule


@dataclass(frozen=True)
class DayOfWeek:
    days: frozenset[int]  # 0 = Sunday
    last: frozenset[int] = frozenset()  # nL: last such weekday of the month
    nth: frozenset[tuple[int, int]] = frozenset()  # (weekday, n) for weekday#n
    star: bool = False


@dataclass(frozen=True)
class CronExpr:
    """A parsed expression: sorted values per field and the matching days per month shape."""

    text: str  # normalised: macros expanded, blanks collapsed, names upper-case
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    dom: DayOfMonth
    dow: DayOfWeek
    # (month length, weekday of the 1st with 0 = Sunday) -> sorted matching days; filled on demand
    _shapes: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def hourly(self) -> bool:
        """True when it fires in every hour of a matching day (the hour-or-finer DST rule applies)."""
        return len(self.hours) == 24

    @property
    def has_seconds(self) -> bool:
        return len(self.text.split()) == 6

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        """Matching days of that month, in order."""
        first, length = calendar.monthrange(year, month)
        return self.shape_days(length, (first + 1) % 7)

    def shape_days(self, length: int, first: int) -> tuple[int, ...]:
        """Matching days of any month with ``length`` days starting on weekday ``first`` (0 = Sunday)."""
        days = self._shapes.get((length, first))
        if days is None:
            days = self._shapes[(length, first)] = _month_days(self.dom, self.dow, length, first)
        return days


def parse_cron(text: str, field: str = "cron_expression") -> CronExpr:
    """Parse and validate an expression; raise TimeSpecError(field, ...) naming the cron field at fault."""
    if not isinstance(text, str) or not text.strip():
        raise TimeSpecError(field, "empty cron expression")
    try:
        return _parse_cached(" ".join(text.split()))
    except CronSyntaxError as exc:
        raise TimeSpecError(field, str(exc)) from None


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> CronExpr:
    parts = _split(text)
    second, minute, hour, dom_raw, month, dow_raw = parts if len(parts) == 6 else ["0", *parts]
    dom = _day_of_month(dom_raw)
    dow = _day_of_week(dow_raw)
    months = tuple(sorted(_values(month, "month")))
    expr = CronExpr(
        text=" ".join(parts),
        seconds=tuple(sorted(_values(second, "second"))),
        minutes=tuple(sorted(_values(minute, "minute"))),
        hours=tuple(sorted(_values(hour, "hour"))),
        months=months,
        dom=dom,
        dow=dow,
    )
    _check_fires(expr, dom_raw, dow_raw)
    return expr


def _split(text: str) -> list[str]:
    lowered = text.lower()
    if lowered.startswith("@"):
        if lowered in MACROS:
            return MACROS[lowered].split()
        if lowered.startswith("@every"):
            raise CronSyntaxError(f"{text!r} is not supported: use the interval field for fixed intervals")
        raise CronSyntaxError(f"unknown macro {text!r}: use one of {', '.join(MACROS)}")
    tokens = text.split()
    if len(tokens) == 7:
        raise CronSyntaxError("7 fields: a year field is not supported; use 5 fields, or 6 with seconds first")
    if len(tokens) not in (5, 6):
        raise CronSyntaxError(
            f"expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got {len(tokens)}"
        )
    for name, part in zip(FIELDS[6 - len(tokens) :], tokens, strict=True):
        if "?" in part and (part != "?" or name not in ("day-of-month", "day-of-week")):
            raise CronSyntaxError(
                f"{name} field: '?' is allowed only alone, in the day-of-month and day-of-week fields"
            )
    return ["*" if part == "?" else part.upper() for part in tokens]


def _values(raw: str, name: str) -> set[int]:
    """Values of a plain field (second, minute, hour, month; day fields after their extensions)."""
    out: set[int] = set()
    for item in raw.split(","):
        out |= _item(item, name)
    return out


def _item(item: str, name: str) -> set[int]:
    low, high = BOUNDS[name]
    base, slash, step_text = item.partition("/")
    step = _step(step_text, item, name) if slash else 1
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, name), _value(last, name)
        if start > end:
            raise CronSyntaxError(f"{name} field: range {base!r} goes backwards; write it as a list instead")
    else:
        start = _value(base, name)
        end = high if slash else start
    return set(range(start, end + 1, step))


def _step(text: str, item: str, name: str) -> int:
    if not text.isdigit():
        raise CronSyntaxError(f"{name} field: step in {item!r} is not a whole number")
    if int(text) == 0:
        raise CronSyntaxError(f"{name} field: step in {item!r} must be at least 1")
    return int(text)


def _value(token: str, name: str) -> int:
    low, high = BOUNDS[name]
    names = NAMES.get(name, {})
    if token in names:
        return names[token]
    if not token.isdigit():
        hint = f" (names allowed: {', '.join(names)})" if names else ""
        raise CronSyntaxError(f"{name} field: {token!r} is not a number{hint}")
    value = int(token)
    if not low <= value <= high:
        raise CronSyntaxError(f"{name} field {token!r} out of range {low}-{high}")
    return value


def _day_of_month(raw: str) -> DayOfMonth:
    days: set[int] = set()
    last = last_weekday = False
    near: set[int] = set()
    for item in raw.split(","):
        if item == "L":
            last = True
        elif item == "LW":
            last_weekday = True
        elif match := _NEAR_WEEKDAY.fullmatch(item):
            near.add(_value(match.group(1), "day-of-month"))
        elif "L" in item or "W" in item or "#" in item:
            raise CronSyntaxError(
                f"day-of-month field: {item!r} is not supported (use L, LW or nW like 15W; '#' belongs to day-of-week)"
            )
        else:
            days |= _item(item, "day-of-month")
    return DayOfMonth(frozenset(days), last, last_weekday, frozenset(near), raw.startswith("*"))


def _day_of_week(raw: str) -> DayOfWeek:
    days: set[int] = set()
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in raw.split(","):
        if match := _NTH_WEEKDAY.fullmatch(item):
            nth.add((_weekday(match.group(1)), _nth(match.group(2), item)))
        elif item == "L":
            raise CronSyntaxError("day-of-week field: 'L' alone is ambiguous; write 6 (Saturday) or 5L (last Friday)")
        elif (match := _LAST_WEEKDAY_OF.fullmatch(item)) and "-" not in item and "/" not in item:
            last.add(_weekday(match.group(1)))
        elif "W" in item.replace("WED", "") or "#" in item or "L" in item:
            raise CronSyntaxError(f"day-of-week field: {item!r} is not supported (use nL like 5L, or n#k like 1#2)")
        else:
            days |= {d % 7 for d in _item(item, "day-of-week")}
    return DayOfWeek(frozenset(days), frozenset(last), frozenset(nth), raw.startswith("*"))


def _weekday(token: str) -> int:
    return _value(token, "day-of-week") % 7


def _nth(token: str, item: str) -> int:
    if not token.isdigit() or not 1 <= int(token) <= 5:
        raise CronSyntaxError(f"day-of-week field: {item!r}: the number after '#' must be 1 to 5")
    return int(token)


def _month_days(dom: DayOfMonth, dow: DayOfWeek, length: int, first: int) -> tuple[int, ...]:
    """Matching days of a month with ``length`` days whose 1st falls on weekday ``first`` (0 = Sunday)."""
    by_dom = _dom_days(dom, length, first)
    by_dow = _dow_days(dow, length, first)
    chosen = by_dom & by_dow if dom.star or dow.star else by_dom | by_dow
    return tuple(sorted(chosen))


def _dom_days(dom: DayOfMonth, length: int, first: int) -> set[int]:
    days = {d for d in dom.days if d <= length}
    if dom.last:
        days.add(length)
    if dom.last_weekday:
        days.add(_nearest_weekday(length, length, first))
    days |= {_nearest_weekday(n, length, first) for n in dom.near_weekday if n <= length}
    return days


def _nearest_weekday(day: int, length: int, first: int) -> int:
    """The Monday-to-Friday day nearest ``day`` without leaving the month."""
    weekday = (first + day - 1) % 7
    if weekday == 6:  # Saturday: Friday before, or Monday after when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 0:  # Sunday: Monday after, or Friday before when it is the last day
        return day + 1 if day < length else day - 2
    return day


def _dow_days(dow: DayOfWeek, length: int, first: int) -> set[int]:
    days = {d for d in range(1, length + 1) if (first + d - 1) % 7 in dow.days}
    last_weekday = (first + length - 1) % 7
    days |= {length - (last_weekday - wd) % 7 for wd in dow.last}
    for weekday, n in dow.nth:
        day = 1 + (weekday - first) % 7 + 7 * (n - 1)
        if day <= length:
            days.add(day)
    return days


def _check_fires(expr: CronExpr, dom_raw: str, dow_raw: str) -> None:
    """Refuse an expression no calendar day can match (every month shape occurs in the Gregorian cycle)."""
    for month in expr.months:
        for length in MONTH_LENGTHS[month]:
            if any(expr.shape_days(length, first) for first in range(7)):
                return
    raise CronSyntaxError(_never_fires_reason(expr, dom_raw, dow_raw))


def _never_fires_reason(expr: CronExpr, dom_raw: str, dow_raw: str) -> str:
    names = [calendar.month_name[m] for m in expr.months]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    dom = expr.dom
    asked = set(dom.days) | set(dom.near_weekday)
    longest = max(max(MONTH_LENGTHS[m]) for m in expr.months)
    if asked and min(asked) > longest and not (dom.last or dom.last_weekday):
        verb = "has" if len(names) == 1 else "have"
        return f"{listed} never {verb} {min(asked)} days: this expression never fires"
    return (
        f"no day in {listed} matches both day-of-month {dom_raw!r} and day-of-week {dow_raw!r}: "
        "this expression never fires"
    )
