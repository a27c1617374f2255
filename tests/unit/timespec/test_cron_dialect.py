"""The cron dialect: each feature, each error, and expressions that can never fire."""

from __future__ import annotations

import pytest

from letitgo.errors import TimeSpecError, ValidationError
from letitgo.timespec.cron import parse_cron
from tests.unit.timespec.helpers import fires

AFTER = "2026-01-01T00:00"  # a Thursday


def test_five_fields_are_minute_hour_dom_month_dow() -> None:
    assert fires("30 14 * * *", "UTC", AFTER, 2) == ["2026-01-01T14:30:00Z", "2026-01-02T14:30:00Z"]


def test_six_fields_put_seconds_first() -> None:
    expr = parse_cron("*/30 * * * * *")
    assert expr.seconds == (0, 30)
    assert expr.has_seconds
    assert fires("*/30 * * * * *", "UTC", AFTER, 3) == [
        "2026-01-01T00:00:30Z",
        "2026-01-01T00:01:00Z",
        "2026-01-01T00:01:30Z",
    ]
    assert fires("15 30 9 * * *", "UTC", AFTER, 1) == ["2026-01-01T09:30:15Z"]


@pytest.mark.parametrize(
    ("macro", "expanded", "first"),
    [
        ("@yearly", "0 0 1 1 *", "2027-01-01T00:00:00Z"),
        ("@annually", "0 0 1 1 *", "2027-01-01T00:00:00Z"),
        ("@monthly", "0 0 1 * *", "2026-02-01T00:00:00Z"),
        ("@weekly", "0 0 * * 0", "2026-01-04T00:00:00Z"),
        ("@daily", "0 0 * * *", "2026-01-02T00:00:00Z"),
        ("@midnight", "0 0 * * *", "2026-01-02T00:00:00Z"),
        ("@hourly", "0 * * * *", "2026-01-01T01:00:00Z"),
        ("@HOURLY", "0 * * * *", "2026-01-01T01:00:00Z"),
    ],
)
def test_macros_expand(macro: str, expanded: str, first: str) -> None:
    assert parse_cron(macro).text == expanded
    assert fires(macro, "UTC", AFTER, 1) == [first]


def test_names_ranges_steps_and_lists() -> None:
    assert fires("0 9 * JAN-MAR MON-FRI", "UTC", AFTER, 2) == ["2026-01-01T09:00:00Z", "2026-01-02T09:00:00Z"]
    assert fires("0 0 1 jun,dec *", "UTC", AFTER, 2) == ["2026-06-01T00:00:00Z", "2026-12-01T00:00:00Z"]
    assert parse_cron("10-40/15 * * * *").minutes == (10, 25, 40)
    assert parse_cron("5/20 * * * *").minutes == (5, 25, 45)
    assert parse_cron("0,5,10-12 * * * *").minutes == (0, 5, 10, 11, 12)
    assert parse_cron("* * * * *").minutes == tuple(range(60))


def test_seven_and_zero_are_both_sunday() -> None:
    assert parse_cron("0 0 * * 7").dow.days == frozenset({0})
    assert parse_cron("0 0 * * 5-7").dow.days == frozenset({5, 6, 0})
    assert fires("0 0 * * 7", "UTC", AFTER, 1) == ["2026-01-04T00:00:00Z"]


def test_question_mark_is_star_in_day_fields() -> None:
    assert parse_cron("0 0 ? * MON").text == "0 0 * * MON"
    assert fires("0 0 ? * MON", "UTC", AFTER, 1) == ["2026-01-05T00:00:00Z"]


def test_both_day_fields_restricted_match_either() -> None:
    # Vixie: the 13th OR any Friday.
    assert fires("0 0 13 * FRI", "UTC", AFTER, 4) == [
        "2026-01-02T00:00:00Z",
        "2026-01-09T00:00:00Z",
        "2026-01-13T00:00:00Z",
        "2026-01-16T00:00:00Z",
    ]


def test_star_step_day_field_is_not_restricted_so_both_must_match() -> None:
    # */2 starts with '*': Mondays that are odd days of the month.
    assert fires("0 0 */2 * MON", "UTC", AFTER, 3) == [
        "2026-01-05T00:00:00Z",
        "2026-01-19T00:00:00Z",
        "2026-02-09T00:00:00Z",
    ]


def test_last_day_of_month() -> None:
    assert fires("0 12 L * *", "UTC", AFTER, 3) == [
        "2026-01-31T12:00:00Z",
        "2026-02-28T12:00:00Z",
        "2026-03-31T12:00:00Z",
    ]
    assert fires("0 0 L 2 *", "UTC", "2027-06-01T00:00", 2) == ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"]


def test_nearest_weekday() -> None:
    # 2026-02-15 is a Sunday -> Monday 16th; 2026-03-15 is a Sunday too; 2026-08-15 a Saturday -> Friday 14th.
    assert fires("0 9 15W * *", "UTC", "2026-02-01T00:00", 1) == ["2026-02-16T09:00:00Z"]
    assert fires("0 9 15W * *", "UTC", "2026-08-01T00:00", 1) == ["2026-08-14T09:00:00Z"]
    assert fires("0 9 15W * *", "UTC", "2026-04-01T00:00", 1) == ["2026-04-15T09:00:00Z"]  # a Wednesday


def test_nearest_weekday_never_leaves_the_month() -> None:
    # 2026-08-01 is a Saturday: 1W is Monday the 3rd, not Friday 31 July.
    assert fires("0 0 1W * *", "UTC", "2026-07-15T00:00", 1) == ["2026-08-03T00:00:00Z"]
    # 2026-05-31 is a Sunday and the last day: 31W is Friday the 29th.
    assert fires("0 0 31W * *", "UTC", "2026-05-15T00:00", 1) == ["2026-05-29T00:00:00Z"]


def test_last_weekday_of_month() -> None:
    # 2026-05-31 is a Sunday -> Friday 29th; 2026-01-31 a Saturday -> Friday 30th.
    assert fires("0 0 LW * *", "UTC", AFTER, 1) == ["2026-01-30T00:00:00Z"]
    assert fires("0 0 LW * *", "UTC", "2026-05-01T00:00", 1) == ["2026-05-29T00:00:00Z"]


def test_last_given_weekday_of_month() -> None:
    assert fires("0 17 * * 5L", "UTC", AFTER, 2) == ["2026-01-30T17:00:00Z", "2026-02-27T17:00:00Z"]
    assert parse_cron("0 17 * * FRIL").dow.last == frozenset({5})


def test_nth_weekday_of_month() -> None:
    assert fires("0 9 * * 1#2", "UTC", AFTER, 2) == ["2026-01-12T09:00:00Z", "2026-02-09T09:00:00Z"]
    assert fires("0 9 * * MON#2", "UTC", AFTER, 1) == ["2026-01-12T09:00:00Z"]
    # A fifth Friday exists only in some months.
    assert fires("0 9 * * 5#5", "UTC", AFTER, 2) == ["2026-01-30T09:00:00Z", "2026-05-29T09:00:00Z"]


def test_normalised_text_keeps_the_field_count() -> None:
    assert parse_cron("  0   9  *  *  mon-fri ").text == "0 9 * * MON-FRI"
    assert parse_cron("0 0 9 * * *").text == "0 0 9 * * *"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 25 * * *", "hour field '25' out of range 0-23"),
        ("60 * * * *", "minute field '60' out of range 0-59"),
        ("60 * * * * *", "second field '60' out of range 0-59"),
        ("0 0 0 * *", "day-of-month field '0' out of range 1-31"),
        ("0 0 32 * *", "day-of-month field '32' out of range 1-31"),
        ("0 0 * 13 *", "month field '13' out of range 1-12"),
        ("0 0 * * 8", "day-of-week field '8' out of range 0-7"),
        ("0 0 * * FUN", "day-of-week field: 'FUN' is not a number"),
        ("0 0 * FOO *", "month field: 'FOO' is not a number"),
        ("*/0 * * * *", "minute field: step in '*/0' must be at least 1"),
        ("*/x * * * *", "minute field: step in '*/X' is not a whole number"),
        ("0 20-4 * * *", "hour field: range '20-4' goes backwards"),
        ("0 0 * * FRI-MON", "day-of-week field: range 'FRI-MON' goes backwards"),
        ("* * * *", "expected 5 fields"),
        ("* * * * * * *", "a year field is not supported"),
        ("@reboot", "unknown macro '@reboot'"),
        ("@every 5m", "use the interval field"),
        ("H * * * *", "minute field: 'H' is not a number"),
        ("0 0 L * L", "'L' alone is ambiguous"),
        ("0 0 L-3 * *", "day-of-month field: 'L-3' is not supported"),
        ("0 0 1#2 * *", "day-of-month field: '1#2' is not supported"),
        ("0 0 * * 1#6", "the number after '#' must be 1 to 5"),
        ("0 0 * * 1W", "day-of-week field: '1W' is not supported"),
        ("0 ? * * *", "'?' is allowed only alone"),
        ("", "empty cron expression"),
        ("1,,2 * * * *", "minute field: '' is not a number"),
    ],
)
def test_errors_name_the_field(expr: str, message: str) -> None:
    with pytest.raises(TimeSpecError) as caught:
        parse_cron(expr)
    assert caught.value.field == "cron_expression"
    assert message in caught.value.message
    assert str(caught.value).startswith("cron_expression: ")
    assert isinstance(caught.value, ValidationError)


def test_error_message_for_an_out_of_range_hour_is_exact() -> None:
    with pytest.raises(TimeSpecError) as caught:
        parse_cron("0 25 * * *")
    assert str(caught.value) == "cron_expression: hour field '25' out of range 0-23"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 0 31 2 *", "February never has 31 days: this expression never fires"),
        ("0 0 30 2 *", "February never has 30 days: this expression never fires"),
        ("0 0 30,31 2 *", "February never has 30 days: this expression never fires"),
        ("0 0 31 4,6,9,11 *", "April, June, September and November never have 31 days: this expression never fires"),
        ("0 0 31 APR *", "April never has 31 days"),
        ("0 0 30W 2 *", "February never has 30 days"),
        # AND (the weekday field starts with '*'): the weekday nearest the 15th is never a Sunday.
        ("0 0 15W * */7", "matches both day-of-month '15W' and day-of-week '*/7'"),
    ],
)
def test_expressions_that_never_fire_are_refused(expr: str, message: str) -> None:
    with pytest.raises(TimeSpecError) as caught:
        parse_cron(expr)
    assert message in caught.value.message
    assert caught.value.message.endswith("this expression never fires")


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 29 2 *",  # leap years only
        "0 0 31 2 MON",  # OR: every Monday in February
        "0 0 * 2 5#5",  # a fifth Friday in February happens in some leap years
        "0 0 L 2 *",
        "0 0 31 1-12 *",
    ],
)
def test_rare_but_possible_expressions_are_accepted(expr: str) -> None:
    assert parse_cron(expr).text


def test_a_caller_can_name_another_field() -> None:
    with pytest.raises(TimeSpecError) as caught:
        parse_cron("0 0 31 2 *", field="time_as_text")
    assert caught.value.field == "time_as_text"


def test_leap_day_skips_years_without_walking_minutes() -> None:
    assert fires("0 0 29 2 *", "UTC", "2026-03-01T00:00", 3) == [
        "2028-02-29T00:00:00Z",
        "2032-02-29T00:00:00Z",
        "2036-02-29T00:00:00Z",
    ]
    assert fires("0 0 29 2 *", "UTC", "2097-01-01T00:00", 1) == ["2104-02-29T00:00:00Z"]  # 2100 is no leap year
    # Fifth Friday in February: only when 1 February of a leap year is a Friday.
    assert fires("0 0 * 2 5#5", "UTC", AFTER, 2) == ["2036-02-29T00:00:00Z", "2064-02-29T00:00:00Z"]
