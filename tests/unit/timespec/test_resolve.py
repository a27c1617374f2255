"""resolve(): one field at a time, zones, bounds; next_after/next_runs on every kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from letitgo.errors import TimeSpecError
from letitgo.timespec import Recurrence, TimeInput, describe, next_after, next_runs, resolve
from tests.unit.timespec.helpers import iso, utc

NOW = utc("2026-01-15T18:30:00")  # a Thursday


def _error(spec: TimeInput, now: datetime = NOW) -> TimeSpecError:
    with pytest.raises(TimeSpecError) as caught:
        resolve(spec, now)
    return caught.value


# --- exactly one field -------------------------------------------------------------------------


def test_no_time_field_is_refused() -> None:
    err = _error(TimeInput(timezone="UTC"))
    assert err.field == "schedule_time"
    assert err.message == "give exactly one of schedule_time, cron_expression, time_as_text, interval, delay"


def test_several_time_fields_are_refused_naming_them() -> None:
    err = _error(TimeInput(schedule_time="2026-12-24T10:00:00Z", cron_expression="0 * * * *"))
    assert err.field == "schedule_time"
    assert "(got schedule_time, cron_expression)" in err.message


def test_blank_strings_count_as_absent() -> None:
    rec = resolve(TimeInput(schedule_time="2026-12-24T10:00:00Z", cron_expression="  ", time_as_text=""), NOW)
    assert rec.kind == "once"


# --- schedule_time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24T10:00:00+02:00", "2026-12-24T08:00:00Z"),
        ("2026-12-24T10:00:00Z", "2026-12-24T10:00:00Z"),
        ("2026-12-24t10:00:00z", "2026-12-24T10:00:00Z"),
        ("2026-12-24 10:00:00-05:30", "2026-12-24T15:30:00Z"),
        ("2026-12-24T10:00:00.000Z", "2026-12-24T10:00:00Z"),
        ("2026-12-24T10:00:00.250Z", "2026-12-24T10:00:01Z"),  # fractions round up: never early
        ("2026-12-24T10:00:00.123456789+00:00", "2026-12-24T10:00:01Z"),
    ],
)
def test_schedule_time_rfc3339(text: str, expected: str) -> None:
    rec = resolve(TimeInput(schedule_time=text), NOW)
    assert (rec.kind, iso(rec.first_run), rec.understood_as) == ("once", expected, "schedule_time")
    assert rec.timezone == "UTC"


def test_schedule_time_without_offset_is_read_in_the_zone() -> None:
    rec = resolve(TimeInput(schedule_time="2026-12-24T10:00:00", timezone="America/Los_Angeles"), NOW)
    assert iso(rec.first_run) == "2026-12-24T18:00:00Z"
    assert rec.timezone == "America/Los_Angeles"
    assert rec.description == "once at 2026-12-24 10:00 (America/Los_Angeles)"


def test_schedule_time_without_offset_follows_the_dst_policy() -> None:
    gap = resolve(TimeInput(schedule_time="2026-03-08T02:30:00", timezone="America/New_York"), NOW)
    assert iso(gap.first_run) == "2026-03-08T07:00:00Z"
    fold = resolve(TimeInput(schedule_time="2026-11-01T01:30:00", timezone="America/New_York"), NOW)
    assert iso(fold.first_run) == "2026-11-01T05:30:00Z"


def test_schedule_time_with_an_offset_ignores_the_zone_for_the_instant() -> None:
    rec = resolve(TimeInput(schedule_time="2026-12-24T10:00:00+02:00", timezone="Asia/Tokyo"), NOW)
    assert iso(rec.first_run) == "2026-12-24T08:00:00Z"
    assert rec.description == "once at 2026-12-24 17:00 (Asia/Tokyo)"


@pytest.mark.parametrize("text", ["2026-01-15T18:30:00Z", "2026-01-15T18:29:59Z", "2020-01-01T00:00:00Z"])
def test_past_or_present_schedule_time_is_refused(text: str) -> None:
    err = _error(TimeInput(schedule_time=text))
    assert err.field == "schedule_time"
    assert "is in the past" in err.message


def test_one_second_ahead_is_accepted() -> None:
    assert iso(resolve(TimeInput(schedule_time="2026-01-15T18:30:01Z"), NOW).first_run) == "2026-01-15T18:30:01Z"


@pytest.mark.parametrize(
    "text", ["tomorrow", "2026-12-24", "2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-12-24T10:00:00+25:00"]
)
def test_malformed_schedule_time_is_refused(text: str) -> None:
    err = _error(TimeInput(schedule_time=text))
    assert err.field == "schedule_time"


# --- zones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "EST5EDTX", "/usr/share/zoneinfo/UTC"])
def test_unknown_zone_is_refused(zone: str) -> None:
    err = _error(TimeInput(cron_expression="0 * * * *", timezone=zone))
    assert err.field == "timezone"
    assert "unknown time zone" in err.message


def test_three_pm_in_los_angeles_is_23z_in_winter_and_22z_in_summer() -> None:
    winter = resolve(TimeInput(cron_expression="0 15 * * *", timezone="America/Los_Angeles"), NOW)
    assert iso(winter.first_run) == "2026-01-15T23:00:00Z"
    summer = resolve(TimeInput(cron_expression="0 15 * * *", timezone="America/Los_Angeles"), utc("2026-07-01T00:00"))
    assert iso(summer.first_run) == "2026-07-01T22:00:00Z"
    assert winter.description == "every day at 15:00 (America/Los_Angeles)"


# --- cron ----------------------------------------------------------------------------------------


def test_cron_first_run_is_strictly_after_now() -> None:
    rec = resolve(TimeInput(cron_expression="30 18 * * *"), NOW)  # NOW is 18:30 exactly
    assert iso(rec.first_run) == "2026-01-16T18:30:00Z"
    assert (rec.kind, rec.cron, rec.understood_as) == ("cron", "30 18 * * *", "cron_expression")


def test_cron_macro_is_stored_expanded() -> None:
    assert resolve(TimeInput(cron_expression="@daily"), NOW).cron == "0 0 * * *"


def test_cron_error_names_cron_expression() -> None:
    err = _error(TimeInput(cron_expression="0 0 31 2 *"))
    assert err.field == "cron_expression"
    assert err.message == "February never has 31 days: this expression never fires"


def test_cron_with_start_at_does_not_fire_before_it() -> None:
    rec = resolve(TimeInput(cron_expression="0 9 * * *", start_at="2026-02-01T09:00:00Z"), NOW)
    assert iso(rec.first_run) == "2026-02-02T09:00:00Z"  # strictly after max(now, start_at)
    assert iso(next_after(rec, NOW)) == "2026-02-02T09:00:00Z"


def test_cron_with_end_at_is_exhausted_after_it() -> None:
    rec = resolve(TimeInput(cron_expression="0 9 * * *", end_at="2026-01-18T09:00:00Z"), NOW)
    assert [iso(t) for t in next_runs(rec, NOW, 10)] == [
        "2026-01-16T09:00:00Z",
        "2026-01-17T09:00:00Z",
        "2026-01-18T09:00:00Z",
    ]
    assert next_after(rec, utc("2026-01-18T09:00")) is None
    assert rec.description == "every day at 09:00 (UTC), until 2026-01-18 09:00"


def test_end_at_before_the_first_occurrence_is_refused() -> None:
    err = _error(TimeInput(cron_expression="0 9 * * *", end_at="2026-01-16T08:00:00Z"))
    assert err.field == "end_at"
    assert "no occurrence before end_at" in err.message


def test_bounds_are_checked() -> None:
    assert _error(TimeInput(cron_expression="* * * * *", end_at="2026-01-01T00:00:00Z")).field == "end_at"
    err = _error(TimeInput(cron_expression="* * * * *", start_at="2026-03-01T00:00:00Z", end_at="2026-02-01T00:00:00Z"))
    assert (err.field, err.message) == ("end_at", "must be after start_at")
    assert _error(TimeInput(cron_expression="* * * * *", start_at="soon")).field == "start_at"


def test_bounds_are_refused_for_one_time_fields() -> None:
    err = _error(TimeInput(schedule_time="2026-12-24T10:00:00Z", end_at="2026-12-25T00:00:00Z"))
    assert err.field == "end_at"
    assert "applies only to recurring schedules" in err.message
    assert _error(TimeInput(delay=60, start_at="2026-12-25T00:00:00Z")).field == "start_at"


def test_start_and_end_without_offset_are_read_in_the_zone() -> None:
    rec = resolve(TimeInput(cron_expression="0 * * * *", timezone="Europe/Paris", start_at="2026-02-01T00:00:00"), NOW)
    # 00:00 Paris is 23:00Z; the contract says strictly after max(now, start_at), so the next hour.
    assert iso(rec.first_run) == "2026-02-01T00:00:00Z"
    assert iso(next_runs(rec, NOW, 1)[0]) == "2026-02-01T00:00:00Z"


# --- interval and delay ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"), [(90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), (" 2H ", 7200)]
)
def test_interval_syntax(value: int | str, seconds: int) -> None:
    rec = resolve(TimeInput(interval=value), NOW)
    assert (rec.kind, rec.interval_seconds, rec.understood_as) == ("interval", seconds, "interval")


@pytest.mark.parametrize("value", [0, -5, "0s", "1.5h", "ten minutes", "15x", True, 10 * 367 * 86400])
def test_bad_intervals_are_refused(value: object) -> None:
    err = _error(TimeInput(interval=value))  # type: ignore[arg-type]
    assert err.field == "interval"


def test_interval_without_start_at_first_runs_one_interval_from_now() -> None:
    now = NOW + timedelta(microseconds=700_000)
    rec = resolve(TimeInput(interval="15m"), now)
    assert (iso(rec.anchor), iso(rec.first_run)) == ("2026-01-15T18:30:00Z", "2026-01-15T18:45:00Z")
    assert [iso(t) for t in next_runs(rec, now, 3)] == [
        "2026-01-15T18:45:00Z",
        "2026-01-15T19:00:00Z",
        "2026-01-15T19:15:00Z",
    ]
    assert rec.description == "every 15 minutes from 2026-01-15 18:45 (UTC)"


def test_interval_with_future_start_at_first_runs_at_start_at() -> None:
    rec = resolve(TimeInput(interval=3600, start_at="2026-01-20T08:00:00+01:00"), NOW)
    assert (iso(rec.anchor), iso(rec.first_run)) == ("2026-01-20T07:00:00Z", "2026-01-20T07:00:00Z")
    assert iso(next_after(rec, NOW)) == "2026-01-20T07:00:00Z"
    assert iso(next_after(rec, rec.first_run)) == "2026-01-20T08:00:00Z"


def test_interval_with_past_start_at_keeps_its_grid() -> None:
    rec = resolve(TimeInput(interval="1h", start_at="2026-01-01T00:20:00Z"), NOW)
    assert (iso(rec.anchor), iso(rec.first_run)) == ("2026-01-01T00:20:00Z", "2026-01-15T19:20:00Z")


def test_interval_ignores_dst_it_counts_elapsed_seconds() -> None:
    rec = resolve(TimeInput(interval="1d", timezone="America/New_York"), utc("2026-03-07T17:00"))
    assert [iso(t) for t in next_runs(rec, utc("2026-03-07T17:00"), 2)] == [
        "2026-03-08T17:00:00Z",
        "2026-03-09T17:00:00Z",
    ]


def test_interval_with_end_at() -> None:
    rec = resolve(TimeInput(interval=60, end_at="2026-01-15T18:33:00Z"), NOW)
    assert [iso(t) for t in next_runs(rec, NOW, 10)] == [
        "2026-01-15T18:31:00Z",
        "2026-01-15T18:32:00Z",
        "2026-01-15T18:33:00Z",
    ]


def test_delay_fires_once() -> None:
    rec = resolve(TimeInput(delay="2h"), NOW + timedelta(microseconds=5))
    assert (rec.kind, iso(rec.first_run), rec.understood_as) == ("once", "2026-01-15T20:30:00Z", "delay")
    assert _error(TimeInput(delay=0)).field == "delay"


# --- next_after on every kind -------------------------------------------------------------------


def test_once_next_after() -> None:
    rec = resolve(TimeInput(schedule_time="2026-12-24T10:00:00Z"), NOW)
    assert iso(next_after(rec, NOW)) == "2026-12-24T10:00:00Z"
    assert next_after(rec, rec.first_run) is None
    assert next_runs(rec, NOW, 5) == [rec.first_run]


def test_rebuilt_from_stored_fields_continues_the_same_occurrences() -> None:
    rec = resolve(TimeInput(cron_expression="*/10 * * * *", timezone="Europe/Berlin"), NOW)
    stored = Recurrence(kind=rec.kind, timezone=rec.timezone, first_run=utc("2026-01-15T19:00"), cron=rec.cron)
    assert [iso(t) for t in next_runs(stored, utc("2026-01-15T19:00"), 2)] == [
        "2026-01-15T19:10:00Z",
        "2026-01-15T19:20:00Z",
    ]
    assert Recurrence.from_dict(rec.as_dict()) == rec


def test_next_after_never_returns_anything_before_first_run() -> None:
    rec = resolve(TimeInput(cron_expression="0 * * * *", start_at="2026-02-01T00:00:00Z"), NOW)
    assert iso(next_after(rec, utc("2000-01-01T00:00"))) == "2026-02-01T01:00:00Z"


def test_next_after_accepts_any_aware_datetime_and_refuses_naive() -> None:
    rec = resolve(TimeInput(cron_expression="0 * * * *"), NOW)
    from zoneinfo import ZoneInfo

    local = datetime(2026, 1, 15, 14, 30, tzinfo=ZoneInfo("America/New_York"))
    assert iso(next_after(rec, local)) == "2026-01-15T20:00:00Z"
    with pytest.raises(ValueError):
        next_after(rec, datetime(2026, 1, 15, 14, 30))


def test_next_runs_are_strictly_increasing_utc_whole_seconds() -> None:
    rec = resolve(TimeInput(cron_expression="*/7 * * * * *", timezone="Australia/Sydney"), NOW)
    runs = next_runs(rec, NOW + timedelta(microseconds=3), 50)
    assert len(runs) == 50
    assert all(iso(t) for t in runs)
    assert all(a < b for a, b in zip(runs, runs[1:], strict=False))


def test_describe_every_kind() -> None:
    once = resolve(TimeInput(delay=60, timezone="Europe/Paris"), NOW)
    assert describe(once) == "once at 2026-01-15 19:31 (Europe/Paris)"
    cron = resolve(TimeInput(cron_expression="0 9 * * 1-5", timezone="Europe/Paris"), NOW)
    assert describe(cron) == "every weekday at 09:00 (Europe/Paris)"
    interval = resolve(TimeInput(interval=90), NOW)
    assert describe(interval) == "every 90 seconds from 2026-01-15 18:31:30 (UTC)"
    odd = replace(cron, cron="0 0 */2 * MON")
    assert describe(odd) == "cron '0 0 */2 * MON' (Europe/Paris)"


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        ("*/15 * * * *", "every 15 minutes"),
        ("*/15 * * * 1-5", "every 15 minutes on weekdays"),
        ("0 * * * *", "every hour"),
        ("30 * * * *", "every hour at minute 30"),
        ("0 */2 * * *", "every 2 hours"),
        ("*/30 * * * * *", "every 30 seconds"),
        ("* * * * *", "every minute"),
        ("0 9,17 * * *", "every day at 09:00 and 17:00"),
        ("30 18 * * MON,WED", "every Monday and Wednesday at 18:30"),
        ("0 10 * * 6,0", "every Saturday and Sunday at 10:00"),
        ("0 12 1 * *", "on the 1st of every month at 12:00"),
        ("0 0 L * *", "on the last day of every month at 00:00"),
        ("0 17 * * 5L", "on the last Friday of every month at 17:00"),
        ("0 9 * * 1#2", "on the second Monday of every month at 09:00"),
        ("0 10 24 12 *", "every year on December 24 at 10:00"),
        ("0 9 1 * MON", "on the 1st of every month and every Monday at 09:00"),
        ("0 0 29 2 1", "every year on February 29 and every Monday in February at 00:00"),
        ("0 9 1 1,6 5", "on the 1st of January and June and every Friday in January and June at 09:00"),
        ("0 8-18 * * 1-5", "every weekday, every hour from 08:00 to 18:00"),
        ("15 30 9 * * *", "every day at 09:30:15"),
    ],
)
def test_cron_descriptions(expr: str, text: str) -> None:
    assert resolve(TimeInput(cron_expression=expr), NOW).description == f"{text} (UTC)"
