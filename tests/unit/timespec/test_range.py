"""Extreme times and durations: every one is refused naming its field (never an OverflowError or a crash)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from letitgo.errors import TimeSpecError
from letitgo.timespec import Recurrence, TimeInput, next_after, next_runs, resolve
from tests.unit.timespec.helpers import iso, utc

NOW = utc("2026-01-15T18:30:00")

OUT_OF_RANGE = [
    TimeInput(schedule_time="9999-12-31T23:59:59-05:00"),
    TimeInput(schedule_time="9999-12-31T23:59:59.5Z"),
    TimeInput(schedule_time="9999-12-31T23:59:59Z"),
    TimeInput(schedule_time="9999-12-31T23:00:00", timezone="Pacific/Kiritimati"),
    TimeInput(schedule_time="0001-01-01T00:00:00+05:00"),
    TimeInput(schedule_time="8999-12-31T23:59:59-05:00"),
    TimeInput(interval="1h", start_at="9999-12-31T20:00:00Z"),
    TimeInput(cron_expression="0 * * * *", start_at="9999-12-31T20:00:00Z"),
    TimeInput(cron_expression="0 0 29 2 *", start_at="8999-03-01T00:00:00Z"),
    TimeInput(interval="1h", end_at="9999-12-31T20:00:00+05:00"),
    TimeInput(time_as_text="on December 31, 9999 at 11pm"),
    TimeInput(time_as_text="9999-12-31T23:59:59-05:00"),
    TimeInput(time_as_text="0001-01-01"),
]


@pytest.mark.parametrize("spec", OUT_OF_RANGE, ids=repr)
def test_times_outside_the_supported_years_are_refused_naming_the_field(spec: TimeInput) -> None:
    with pytest.raises(TimeSpecError) as caught:
        resolve(spec, NOW)
    given = [k for k in ("schedule_time", "cron_expression", "time_as_text", "interval") if getattr(spec, k)]
    assert caught.value.field in (*given, "start_at", "end_at")
    assert "out of range" in caught.value.message and "8999-12-31" in caught.value.message


BAD_WRITTEN_DURATIONS = [
    ("in 99999999999999999999 minutes", "at most 10 years"),
    ("in 11 years", None),
    ("every 0 minutes", "at least 1 second"),
    ("every 0 seconds", "at least 1 second"),
    ("every 99999999999999999999 hours", "at most 10 years"),
    ("every 600 weeks", "at most 10 years"),
]


@pytest.mark.parametrize(("text", "message"), BAD_WRITTEN_DURATIONS)
def test_written_durations_have_the_bounds_of_numeric_ones(text: str, message: str | None) -> None:
    with pytest.raises(TimeSpecError) as caught:
        resolve(TimeInput(time_as_text=text), NOW)
    assert caught.value.field == "time_as_text"
    if message:
        assert message in caught.value.message


def test_the_last_supported_year_still_works() -> None:
    rec = resolve(TimeInput(schedule_time="8999-12-31T23:59:59Z"), NOW)
    assert iso(rec.first_run) == "8999-12-31T23:59:59Z"
    late = resolve(TimeInput(interval="3650d", start_at="8999-01-01T00:00:00Z"), NOW)
    # upcoming runs stop where datetime ends instead of overflowing
    assert len(next_runs(late, late.first_run, 500)) < 500


def test_an_interval_running_past_year_9999_is_exhausted_not_an_error() -> None:
    rec = Recurrence("interval", "UTC", datetime(9999, 12, 1, tzinfo=UTC), interval_seconds=86400 * 3650)
    assert next_after(rec, datetime(9999, 12, 1, tzinfo=UTC)) is None
