"""The DST policy on real zones: gaps fire at the first valid instant after, repeated wall times once,
hour-or-finer expressions at every real instant that matches."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from letitgo.timespec.cron import parse_cron
from letitgo.timespec.walker import cron_next
from tests.unit.timespec.helpers import fires, iso, utc

# 2026: gap 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); fold 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)
NY = "America/New_York"


def test_repeated_wall_time_fires_once_at_its_first_occurrence() -> None:
    assert fires("30 1 * * *", NY, "2026-10-31T12:00", 2) == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]


def test_missing_wall_time_fires_at_the_first_valid_instant_after_the_gap() -> None:
    assert fires("30 2 * * *", NY, "2026-03-07T12:00", 2) == ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]
    assert fires("0 2 * * *", NY, "2026-03-07T12:00", 2) == ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"]


def test_several_missing_wall_times_fire_once() -> None:
    assert fires("*/20 2 * * *", NY, "2026-03-07T12:00", 2) == ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"]


def test_a_missing_time_and_the_first_time_after_the_gap_fire_once() -> None:
    # 02:00 and 02:30 do not exist and move to 03:00 EDT, which matches by itself: one firing at 07:00Z.
    assert fires("0,30 1-3 * * *", NY, "2026-03-08T05:00", 5) == [
        "2026-03-08T06:00:00Z",
        "2026-03-08T06:30:00Z",
        "2026-03-08T07:00:00Z",
        "2026-03-08T07:30:00Z",
        "2026-03-09T05:00:00Z",
    ]


def test_not_hourly_skips_the_second_pass_of_a_repeated_hour() -> None:
    assert fires("0,30 1-2 * * *", NY, "2026-11-01T04:00", 5) == [
        "2026-11-01T05:00:00Z",  # 01:00 EDT
        "2026-11-01T05:30:00Z",  # 01:30 EDT (01:00 and 01:30 EST do not fire)
        "2026-11-01T07:00:00Z",  # 02:00 EST
        "2026-11-01T07:30:00Z",
        "2026-11-02T06:00:00Z",
    ]


@pytest.mark.parametrize("after", ["2026-11-01T05:45", "2026-11-01T06:00", "2026-11-01T06:29:59"])
def test_starting_inside_a_repeated_hour_does_not_fire_its_second_pass(after: str) -> None:
    assert fires("30 1 * * *", NY, after, 1) == ["2026-11-02T06:30:00Z"]


def test_hourly_fires_in_both_passes_of_a_repeated_hour() -> None:
    assert fires("30 * * * *", NY, "2026-11-01T04:00", 4) == [
        "2026-11-01T04:30:00Z",  # 00:30 EDT
        "2026-11-01T05:30:00Z",  # 01:30 EDT
        "2026-11-01T06:30:00Z",  # 01:30 EST
        "2026-11-01T07:30:00Z",  # 02:30 EST
    ]


def test_hourly_does_not_invent_firings_in_a_gap() -> None:
    assert fires("30 * * * *", NY, "2026-03-08T05:00", 4) == [
        "2026-03-08T05:30:00Z",  # 00:30 EST
        "2026-03-08T06:30:00Z",  # 01:30 EST
        "2026-03-08T07:30:00Z",  # 03:30 EDT: 02:30 never happened
        "2026-03-08T08:30:00Z",
    ]


def test_minutely_from_inside_the_first_pass() -> None:
    assert fires("*/20 * * * *", NY, "2026-11-01T05:10", 6) == [
        "2026-11-01T05:20:00Z",
        "2026-11-01T05:40:00Z",
        "2026-11-01T06:00:00Z",  # 01:00 EST: second pass
        "2026-11-01T06:20:00Z",
        "2026-11-01T06:40:00Z",
        "2026-11-01T07:00:00Z",
    ]


def test_minutely_from_inside_the_second_pass() -> None:
    assert fires("*/20 * * * *", NY, "2026-11-01T06:10", 3) == [
        "2026-11-01T06:20:00Z",
        "2026-11-01T06:40:00Z",
        "2026-11-01T07:00:00Z",
    ]


def test_seconds_field_across_a_gap_and_a_fold() -> None:
    assert fires("*/30 * * * * *", NY, "2026-03-08T06:59:00", 4) == [
        "2026-03-08T06:59:30Z",
        "2026-03-08T07:00:00Z",  # 03:00:00 EDT
        "2026-03-08T07:00:30Z",
        "2026-03-08T07:01:00Z",
    ]
    assert fires("*/30 * * * * *", NY, "2026-11-01T05:59:00", 4) == [
        "2026-11-01T05:59:30Z",
        "2026-11-01T06:00:00Z",  # 01:00:00 EST, second pass
        "2026-11-01T06:00:30Z",
        "2026-11-01T06:01:00Z",
    ]


def _count_between(expr: str, zone: str, start: str, end: str) -> int:
    parsed, tz, current, count = parse_cron(expr), ZoneInfo(zone), utc(start), 0
    while True:
        nxt = cron_next(parsed, tz, current)
        assert nxt is not None
        if nxt > utc(end):
            return count
        count, current = count + 1, nxt


def test_every_real_hour_of_a_long_and_a_short_day() -> None:
    # Local 1 November 2026 lasts 25 hours, local 8 March 2026 lasts 23.
    assert _count_between("0 * 1 11 *", NY, "2026-11-01T03:59", "2026-11-02T05:00") == 25
    assert _count_between("0 * 8 3 *", NY, "2026-03-08T04:59", "2026-03-09T05:00") == 23
    assert _count_between("0 9 * * *", NY, "2026-03-01T00:00", "2026-04-01T00:00") == 31


def test_santiago_changes_at_midnight() -> None:
    # 2026-09-06 00:00 -04 jumps to 01:00 -03; 2026-04-05 00:00 -03 goes back to 23:00 -04 on the 4th.
    assert fires("0 0 * * *", "America/Santiago", "2026-09-05T12:00", 2) == [
        "2026-09-06T04:00:00Z",  # 01:00 -03, the first valid instant
        "2026-09-07T03:00:00Z",
    ]
    assert fires("0 23 * * *", "America/Santiago", "2026-04-04T12:00", 2) == [
        "2026-04-05T02:00:00Z",  # 23:00 -03 on the 4th; 23:00 -04 the same evening does not fire
        "2026-04-06T03:00:00Z",
    ]


def test_chatham_gap_at_quarter_to_three() -> None:
    # 2026-09-27 02:45 +12:45 jumps to 03:45 +13:45 (14:00Z on the 26th).
    assert fires("50 2 * * *", "Pacific/Chatham", "2026-09-25T00:00", 3) == [
        "2026-09-25T14:05:00Z",
        "2026-09-26T14:00:00Z",
        "2026-09-27T13:05:00Z",
    ]


def test_london_both_directions() -> None:
    assert fires("30 1 * * *", "Europe/London", "2026-03-28T12:00", 2) == [
        "2026-03-29T01:00:00Z",  # 02:00 BST, first instant after the gap
        "2026-03-30T00:30:00Z",
    ]
    assert fires("30 1 * * *", "Europe/London", "2026-10-24T12:00", 2) == [
        "2026-10-25T00:30:00Z",  # 01:30 BST; 01:30 GMT does not fire
        "2026-10-26T01:30:00Z",
    ]


def test_sydney_southern_hemisphere() -> None:
    assert fires("30 2 * * *", "Australia/Sydney", "2026-04-04T00:00", 2) == [
        "2026-04-04T15:30:00Z",  # 02:30 AEDT on the 5th, first occurrence
        "2026-04-05T16:30:00Z",
    ]
    assert fires("30 2 * * *", "Australia/Sydney", "2026-10-03T00:00", 2) == [
        "2026-10-03T16:00:00Z",  # 03:00 AEDT on the 4th
        "2026-10-04T15:30:00Z",
    ]


def test_lord_howe_half_hour_shift() -> None:
    # 2026-10-04 02:00 +10:30 jumps to 02:30 +11 (15:30Z on the 3rd).
    assert fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-02T00:00", 3) == [
        "2026-10-02T15:45:00Z",
        "2026-10-03T15:30:00Z",
        "2026-10-04T15:15:00Z",
    ]


def test_a_skipped_calendar_day() -> None:
    # Samoa skipped 30 December 2011: 23:59:59 -10 on the 29th was followed by 00:00 +14 on the 31st.
    assert fires("0 12 * * *", "Pacific/Apia", "2011-12-29T00:00", 3) == [
        "2011-12-29T22:00:00Z",
        "2011-12-30T10:00:00Z",  # noon on the 30th never happened: first valid instant after
        "2011-12-30T22:00:00Z",
    ]
    assert fires("0 * * * *", "Pacific/Apia", "2011-12-30T08:30", 3) == [
        "2011-12-30T09:00:00Z",
        "2011-12-30T10:00:00Z",
        "2011-12-30T11:00:00Z",
    ]


def test_results_are_utc_whole_seconds_even_from_a_fractional_start() -> None:
    after = datetime(2026, 1, 1, 9, 59, 59, 999_999, tzinfo=ZoneInfo("UTC"))
    found = cron_next(parse_cron("0 10 * * *"), ZoneInfo(NY), after)
    assert iso(found) == "2026-01-01T15:00:00Z"
    exact = cron_next(parse_cron("* * * * * *"), ZoneInfo(NY), utc("2026-01-01T10:00:00") + timedelta(microseconds=1))
    assert iso(exact) == "2026-01-01T10:00:01Z"


def test_rare_dates_are_found_by_skipping_months_not_minutes() -> None:
    parsed, tz = parse_cron("0 0 29 2 *"), ZoneInfo(NY)
    started = time.perf_counter()
    for _ in range(200):
        assert cron_next(parsed, tz, utc("2026-03-01T00:00")) is not None
    assert (time.perf_counter() - started) / 200 < 0.002
