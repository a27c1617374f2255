"""croniter as an independent oracle where it is right: UTC (no DST), one day field restricted at most.

croniter is not on LetItGo's hot path because around DST transitions it fires twice or early (see the
walker's docstring and tests/unit/timespec/test_walker_dst.py); in UTC its answers must equal ours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from letitgo.errors import TimeSpecError
from letitgo.timespec import Recurrence, next_runs
from letitgo.timespec.cron import parse_cron

MINUTES = st.sampled_from(["*", "0", "15", "*/5", "*/7", "0,30", "10-20", "45-59/3"])
HOURS = st.sampled_from(["*", "0", "9", "*/2", "8-17", "1,13", "22-23"])
MONTHS = st.sampled_from(["*", "1", "2", "*/3", "6-8", "2,12"])
DOMS = st.sampled_from(["1", "15", "28", "29", "31", "1-7", "*/10", "L"])
DOWS = st.sampled_from(["1", "0", "1-5", "6,0", "5", "MON-FRI", "SUN"])


@st.composite
def expressions(draw: st.DrawFn) -> str:
    minute, hour, month = draw(MINUTES), draw(HOURS), draw(MONTHS)
    day = draw(st.sampled_from(["dom", "dow", "none"]))
    dom = draw(DOMS) if day == "dom" else "*"
    dow = draw(DOWS) if day == "dow" else "*"
    return f"{minute} {hour} {dom} {month} {dow}"


STARTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@settings(max_examples=80, deadline=None)
@given(expressions(), STARTS)
@example("* * 31 2 *", datetime(2025, 1, 1, tzinfo=UTC))  # a generated expression that never fires
def test_in_utc_our_occurrences_equal_croniters(expr: str, start: datetime) -> None:
    try:
        parse_cron(expr)
    except TimeSpecError:
        assume(False)  # never fires ('* * 31 2 *'): LetItGo refuses it at creation, nothing to compare
    rec = Recurrence(kind="cron", timezone="UTC", first_run=start - timedelta(days=400), cron=expr)
    ours = next_runs(rec, start, 6)
    it = croniter(expr, start)
    theirs = [it.get_next(datetime) for _ in range(6)]
    assert ours == theirs, expr
