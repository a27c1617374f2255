"""Property tests: the walker against a brute-force reference that walks real UTC instants.

The generator builds each cron field as (text, meaning), so the reference never uses the parser.
The reference applies the DST policy directly:

- every real instant whose wall time matches fires, except the second pass of a repeated wall time
  (unless the expression fires every hour);
- when the clocks jump, if any skipped wall time matches (and the expression is not hourly), the
  first instant after the jump fires.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from letitgo.errors import TimeSpecError
from letitgo.timespec import TimeInput, next_after, next_runs, resolve

DST_ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago", "Pacific/Chatham")
ZONES = (*DST_ZONES, "Asia/Kolkata", "UTC")
MINUTE = timedelta(minutes=1)
WINDOW = timedelta(hours=48)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DayTest = Callable[[date], bool]


@dataclass(frozen=True)
class Field:
    text: str
    values: frozenset[int]


@dataclass(frozen=True)
class DayField:
    text: str
    star: bool  # starts with '*': not restricted for the Vixie OR rule
    test: DayTest


@dataclass(frozen=True)
class Expr:
    minute: Field
    hour: Field
    dom: DayField
    month: Field
    dow: DayField

    @property
    def text(self) -> str:
        return f"{self.minute.text} {self.hour.text} {self.dom.text} {self.month.text} {self.dow.text}"

    def day_matches(self, day: date) -> bool:
        if day.month not in self.month.values:
            return False
        by_dom, by_dow = self.dom.test(day), self.dow.test(day)
        if self.dom.star or self.dow.star:
            return by_dom and by_dow
        return by_dom or by_dow

    def matches(self, wall: datetime) -> bool:
        return wall.minute in self.minute.values and wall.hour in self.hour.values and self.day_matches(wall.date())


# --- strategies --------------------------------------------------------------------------------------


def numeric_field(low: int, high: int, favourites: list[int], steps: list[int]) -> st.SearchStrategy[Field]:
    value = st.one_of(st.sampled_from(favourites), st.integers(low, high))

    def star(_: object) -> Field:
        return Field("*", frozenset(range(low, high + 1)))

    def step(n: int) -> Field:
        return Field(f"*/{n}", frozenset(range(low, high + 1, n)))

    def single(v: int) -> Field:
        return Field(str(v), frozenset({v}))

    def listed(vs: list[int]) -> Field:
        return Field(",".join(str(v) for v in vs), frozenset(vs))

    def ranged(pair: tuple[int, int], n: int) -> Field:
        a, b = sorted(pair)
        text = f"{a}-{b}" if n == 1 else f"{a}-{b}/{n}"
        return Field(text, frozenset(range(a, b + 1, n)))

    return st.one_of(
        st.just(None).map(star),
        st.sampled_from(steps).map(step),
        value.map(single),
        st.lists(value, min_size=2, max_size=3, unique=True).map(listed),
        st.builds(ranged, st.tuples(value, value), st.sampled_from([1, 1, 2, 3])),
    )


MINUTES = numeric_field(0, 59, [0, 0, 15, 30, 45, 59], [1, 2, 5, 7, 10, 15, 20, 30])
HOUR_STEPS = [1, 2, 3, 4, 5, 6]


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, n: int) -> bool:
    last = _last_day(day)
    if n > last:
        return False
    target = date(day.year, day.month, n)
    if target.weekday() == 5:  # Saturday
        target = target - timedelta(days=1) if n > 1 else target + timedelta(days=2)
    elif target.weekday() == 6:  # Sunday
        target = target + timedelta(days=1) if n < last else target - timedelta(days=2)
    return day == target


def _last_weekday(day: date) -> bool:
    target = date(day.year, day.month, _last_day(day))
    while target.weekday() >= 5:
        target -= timedelta(days=1)
    return day == target


def _cron_weekday(day: date) -> int:
    return day.isoweekday() % 7  # 0 = Sunday


def _any_day(_: date) -> bool:
    return True


STAR = DayField("*", True, _any_day)


def dom_days(days: list[int]) -> DayField:
    wanted = frozenset(days)
    return DayField(",".join(map(str, days)), False, lambda d: d.day in wanted)


def dom_step(n: int) -> DayField:
    return DayField(f"*/{n}", True, lambda d: (d.day - 1) % n == 0)


def dom_near(n: int) -> DayField:
    return DayField(f"{n}W", False, lambda d: _nearest_weekday(d, n))


def dow_days(text: str, weekdays: set[int], star: bool = False) -> DayField:
    wanted = frozenset(w % 7 for w in weekdays)
    return DayField(text, star, lambda d: _cron_weekday(d) in wanted)


def dow_last(n: int) -> DayField:
    return DayField(f"{n}L", False, lambda d: _cron_weekday(d) == n and d.day + 7 > _last_day(d))


def dow_nth(n: int, k: int) -> DayField:
    return DayField(f"{n}#{k}", False, lambda d: _cron_weekday(d) == n and (d.day - 1) // 7 == k - 1)


DOMS = st.one_of(
    st.just(STAR),
    st.just(STAR),
    st.integers(1, 31).map(lambda n: dom_days([n])),
    st.lists(st.integers(1, 31), min_size=2, max_size=3, unique=True).map(dom_days),
    st.sampled_from([2, 3, 7]).map(dom_step),
    st.just(DayField("L", False, lambda d: d.day == _last_day(d))),
    st.just(DayField("LW", False, _last_weekday)),
    st.integers(1, 31).map(dom_near),
)

DOWS = st.one_of(
    st.just(STAR),
    st.just(STAR),
    st.integers(0, 7).map(lambda n: dow_days(str(n), {n})),
    st.just(dow_days("1-5", {1, 2, 3, 4, 5})),
    st.just(dow_days("MON-FRI", {1, 2, 3, 4, 5})),
    st.just(dow_days("SAT,SUN", {6, 0})),
    st.just(dow_days("*/2", {0, 2, 4, 6}, star=True)),
    st.integers(0, 6).map(dow_last),
    st.builds(dow_nth, st.integers(0, 6), st.integers(1, 5)),
)


def months_around(start: datetime) -> st.SearchStrategy[Field]:
    """Mostly '*', sometimes a list that contains the start's month (else the window would be empty)."""
    month = start.month

    def listed(extra: list[int]) -> Field:
        values = sorted({month, *extra})
        return Field(",".join(map(str, values)), frozenset(values))

    return st.one_of(
        st.just(Field("*", frozenset(range(1, 13)))),
        st.lists(st.integers(1, 12), max_size=2).map(listed),
    )


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """UTC instants (to the minute) where the zone's offset changes, 2025-2028."""
    zone, found = ZoneInfo(zone_name), []
    day = datetime(2025, 1, 1, tzinfo=UTC)
    while day.year < 2029:
        nxt = day + timedelta(days=1)
        before = day.astimezone(zone).utcoffset()
        if nxt.astimezone(zone).utcoffset() != before:
            instant = day
            while instant.astimezone(zone).utcoffset() == before:
                instant += MINUTE
            found.append(instant)
        day = nxt
    return tuple(found)


@dataclass(frozen=True)
class Scenario:
    zone_name: str
    start: datetime
    expr: Expr


def _hot(zone: ZoneInfo, base: datetime) -> tuple[list[int], list[date]]:
    """The wall hours and days around an instant: where a DST bug would show."""
    before, after = (base - MINUTE).astimezone(zone), base.astimezone(zone)
    hours = sorted({before.hour, (before + timedelta(hours=1)).hour, after.hour})
    return hours, sorted({before.date(), after.date()})


def _on(day: date) -> st.SearchStrategy[tuple[DayField, DayField]]:
    """Day fields that surely match ``day``: its day of the month, or its weekday, or both '*'."""
    dom, dow = dom_days([day.day]), dow_days(str(_cron_weekday(day)), {_cron_weekday(day)})
    return st.sampled_from([(STAR, STAR), (dom, STAR), (STAR, dow), (dom, dow)])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A zone, a start near one of its transitions, and an expression biased to fire around it."""
    zone_name = draw(st.sampled_from(ZONES))
    near = transitions(zone_name)
    if near:
        base = draw(st.sampled_from(near))
        minutes = draw(st.one_of(st.integers(-36 * 60, 12 * 60), st.integers(-150, 150)))  # often inside a fold
        start = base + timedelta(minutes=minutes, seconds=draw(st.sampled_from([0, 0, 30])))
    else:
        base = start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 365 * 24 * 60)))
    hours, days = _hot(ZoneInfo(zone_name), base)
    hour = draw(
        st.one_of(
            numeric_field(0, 23, [*hours, 0, 23], HOUR_STEPS),
            st.sampled_from(hours).map(lambda h: Field(str(h), frozenset({h}))),  # exactly the gap or fold hour
            st.just(Field("*", frozenset(range(24)))),  # hour-or-finer rules
        )
    )
    dom, dow = draw(st.one_of(st.tuples(DOMS, DOWS), st.sampled_from(days).flatmap(_on)))
    expr = Expr(draw(MINUTES), hour, dom, draw(months_around(start)), dow)
    return Scenario(zone_name, start, expr)


@st.composite
def transition_days(draw: st.DrawFn) -> Scenario:
    """Focused: every day matches, the hour is the gap/fold hour (or every hour), the start is just before."""
    zone_name = draw(st.sampled_from(DST_ZONES))
    base = draw(st.sampled_from(transitions(zone_name)))
    start = base - timedelta(minutes=draw(st.integers(1, 180)))
    hours, _ = _hot(ZoneInfo(zone_name), base)
    hour = draw(
        st.one_of(
            st.sampled_from(hours).map(lambda h: Field(str(h), frozenset({h}))),
            st.lists(st.sampled_from(hours), min_size=2, max_size=3, unique=True).map(
                lambda hs: Field(",".join(map(str, hs)), frozenset(hs))
            ),
            st.just(Field("*", frozenset(range(24)))),
        )
    )
    return Scenario(zone_name, start, Expr(draw(MINUTES), hour, STAR, Field("*", frozenset(range(1, 13))), STAR))


# --- the reference ---------------------------------------------------------------------------------


def reference(expr: Expr, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Every firing in (start, end], found by walking each UTC minute and reading its wall time."""
    hourly = len(expr.hour.values) == 24
    out: list[datetime] = []
    t = start.replace(second=0, microsecond=0)
    previous_wall = t.astimezone(zone).replace(tzinfo=None)
    while t < end:
        t += MINUTE
        local = t.astimezone(zone)
        wall = local.replace(tzinfo=None)
        fires = expr.matches(wall) and (hourly or local.fold == 0)
        if not hourly and wall - previous_wall > MINUTE:
            skipped = previous_wall + MINUTE
            while skipped < wall and not fires:
                fires = expr.matches(skipped)
                skipped += MINUTE
        if fires and start < t <= end:
            out.append(t)
        previous_wall = wall
    return out


def engine(text: str, zone_name: str, start: datetime, end: datetime, limit: int) -> list[datetime]:
    rec = resolve(TimeInput(cron_expression=text, timezone=zone_name), start)
    runs = next_runs(rec, start, limit)
    assert runs[0] == rec.first_run
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert next_after(rec, earlier) == later
    return [t for t in runs if t <= end]


@SETTINGS
@given(scenario=scenarios())
def test_walker_matches_brute_force_near_transitions(scenario: Scenario) -> None:
    zone_name, start, expr = scenario.zone_name, scenario.start, scenario.expr
    end = start + WINDOW
    try:
        expected = reference(expr, ZoneInfo(zone_name), start, end)
        got = engine(expr.text, zone_name, start, end, len(expected) + 1)
    except TimeSpecError as exc:
        assume("never fires" not in exc.message)  # e.g. '31 2': refused on purpose
        raise
    assert got == expected, (expr.text, zone_name, start.isoformat())
    assert all(t.tzinfo is UTC and t.microsecond == 0 and t.second == 0 for t in got)
    assert all(a < b for a, b in zip(got, got[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(scenario=transition_days())
def test_gap_and_fold_hours_match_brute_force(scenario: Scenario) -> None:
    zone_name, start, expr = scenario.zone_name, scenario.start, scenario.expr
    end = start + timedelta(hours=12)
    expected = reference(expr, ZoneInfo(zone_name), start, end)
    assert engine(expr.text, zone_name, start, end, len(expected) + 1) == expected, (expr.text, zone_name, start)


@settings(max_examples=30, deadline=None)
@given(
    zone_name=st.sampled_from(DST_ZONES),
    second=st.sampled_from(["*/15", "0", "*/20", "30", "*/7"]),
    minute=st.sampled_from(["*", "*/10", "0,30", "59", "45"]),
    hour=st.sampled_from(["*", "1-3", "0-2", "2", "23,0"]),
    data=st.data(),
)
def test_seconds_field_matches_brute_force_per_second(
    zone_name: str, second: str, minute: str, hour: str, data: st.DataObject
) -> None:
    base = data.draw(st.sampled_from(transitions(zone_name)))
    start = base + timedelta(seconds=data.draw(st.integers(-3 * 3600, 3600)))
    end = start + timedelta(hours=3)
    seconds = _values(second, 59)
    minutes, hours = _values(minute, 59), _values(hour, 23)
    zone, hourly = ZoneInfo(zone_name), len(hours) == 24
    expected: list[datetime] = []
    t, previous = start, start.astimezone(zone).replace(tzinfo=None)
    step = timedelta(seconds=1)
    while t < end:
        t += step
        local = t.astimezone(zone)
        wall = local.replace(tzinfo=None)

        def ok(w: datetime) -> bool:
            return w.second in seconds and w.minute in minutes and w.hour in hours

        fires = ok(wall) and (hourly or local.fold == 0)
        if not hourly and wall - previous > step:
            fires = fires or any(ok(previous + k * step) for k in range(1, int((wall - previous) / step)))
        if fires:
            expected.append(t)
        previous = wall
    text = f"{second} {minute} {hour} * * *"
    rec = resolve(TimeInput(cron_expression=text, timezone=zone_name), start)
    got = [t for t in next_runs(rec, start, len(expected) + 1) if t <= end]
    assert got == expected, (text, zone_name, start.isoformat())


def _values(text: str, high: int) -> frozenset[int]:
    out: set[int] = set()
    for part in text.split(","):
        if part.startswith("*"):
            out |= set(range(0, high + 1, int(part[2:]) if "/" in part else 1))
        elif "-" in part:
            a, b = part.split("-")
            out |= set(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return frozenset(out)
