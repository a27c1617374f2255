"""Natural language, offline, with a fixed `now` in several zones.

NOW is Thursday 2026-01-15 18:30Z: 10:30 in Los Angeles (PST), Friday 00:00 in Kolkata (+05:30),
Friday 05:30 in Sydney (AEDT, +11), 19:30 in Berlin.
"""

from __future__ import annotations

import pytest

from letitgo.errors import TimeSpecError
from letitgo.timespec import TimeInput, resolve
from tests.unit.timespec.helpers import iso, utc

NOW = utc("2026-01-15T18:30:00")
LA, KOL, SYD, BER, NY = "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin", "America/New_York"


def _once(text: str, zone: str = "UTC", date_order: str | None = None, now: str | None = None) -> str | None:
    rec = resolve(TimeInput(time_as_text=text, timezone=zone, date_order=date_order), utc(now) if now else NOW)
    assert (rec.kind, rec.understood_as) == ("once", "time_as_text"), rec
    return iso(rec.first_run)


def _error(text: str, zone: str = "UTC", date_order: str | None = None) -> TimeSpecError:
    with pytest.raises(TimeSpecError) as caught:
        resolve(TimeInput(time_as_text=text, timezone=zone, date_order=date_order), NOW)
    return caught.value


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("in 10 minutes", "UTC", "2026-01-15T18:40:00Z"),
        ("in 10 minutes", KOL, "2026-01-15T18:40:00Z"),
        ("in 2 hours", LA, "2026-01-15T20:30:00Z"),
        ("in 30 seconds", "UTC", "2026-01-15T18:30:30Z"),
        ("in half an hour", "UTC", "2026-01-15T19:00:00Z"),
        ("in an hour", "UTC", "2026-01-15T19:30:00Z"),
        ("2 hours from now", "UTC", "2026-01-15T20:30:00Z"),
        ("In 3 Days", "UTC", "2026-01-18T18:30:00Z"),
        ("tomorrow at noon", "UTC", "2026-01-16T12:00:00Z"),
        ("tomorrow at noon", LA, "2026-01-16T20:00:00Z"),
        ("tomorrow at noon", KOL, "2026-01-17T06:30:00Z"),  # already Friday there
        ("tomorrow at noon", SYD, "2026-01-17T01:00:00Z"),
        ("tomorrow at 9am", LA, "2026-01-16T17:00:00Z"),
        ("tomorrow at 9 a.m.", "UTC", "2026-01-16T09:00:00Z"),
        ("next Monday at 3 PM", "UTC", "2026-01-19T15:00:00Z"),
        ("next Monday at 3 PM", LA, "2026-01-19T23:00:00Z"),
        ("next Monday at 3 PM", KOL, "2026-01-19T09:30:00Z"),
        ("next Monday at 3 PM", SYD, "2026-01-19T04:00:00Z"),
        ("Thursday at 8pm", "UTC", "2026-01-15T20:00:00Z"),  # today, still ahead
        ("next Thursday at 8pm", "UTC", "2026-01-22T20:00:00Z"),  # 'next' is never today
        ("Thursday at 9am", "UTC", "2026-01-22T09:00:00Z"),  # today's has passed
        ("monday at 9", "UTC", "2026-01-19T09:00:00Z"),
        ("today at 17:45", LA, "2026-01-16T01:45:00Z"),
        ("today at 17:45", KOL, "2026-01-16T12:15:00Z"),
        ("at 3pm", "UTC", "2026-01-16T15:00:00Z"),  # 15:00 has passed today
        ("3pm", LA, "2026-01-15T23:00:00Z"),
        ("3 pm", LA, "2026-01-15T23:00:00Z"),
        ("3pm tomorrow", "UTC", "2026-01-16T15:00:00Z"),
        ("noon", KOL, "2026-01-16T06:30:00Z"),
        ("midnight", "UTC", "2026-01-16T00:00:00Z"),
        ("midnight", KOL, "2026-01-16T18:30:00Z"),  # it is exactly midnight there: the next one
        ("12am", "UTC", "2026-01-16T00:00:00Z"),
        ("12:30pm", "UTC", "2026-01-16T12:30:00Z"),
        ("at 21:15:30", "UTC", "2026-01-15T21:15:30Z"),
        ("on 2026-12-24 at 10:00", BER, "2026-12-24T09:00:00Z"),
        ("2026-12-24 10:00", "UTC", "2026-12-24T10:00:00Z"),
        ("2026-12-24T10:00:00+02:00", LA, "2026-12-24T08:00:00Z"),
        ("December 24 at 10am", LA, "2026-12-24T18:00:00Z"),
        ("Dec 24th at 10am", "UTC", "2026-12-24T10:00:00Z"),
        ("December 24, 2026 at 10am", "UTC", "2026-12-24T10:00:00Z"),
        ("24 December 2026 10:00", "UTC", "2026-12-24T10:00:00Z"),
        ("the 24th of December at 10:00", "UTC", "2026-12-24T10:00:00Z"),
        ("January 10 at 10am", "UTC", "2027-01-10T10:00:00Z"),  # no year and passed: next year
        ("February 29 at noon", "UTC", "2028-02-29T12:00:00Z"),
        ("2026-03-02", "UTC", "2026-03-02T00:00:00Z"),  # a date alone is midnight
        ("2026/03/02 at 8am", "UTC", "2026-03-02T08:00:00Z"),
        ("24/12/2026 at 10:00", "UTC", "2026-12-24T10:00:00Z"),  # 24 cannot be a month
        ("12/24/2026 at 10:00", "UTC", "2026-12-24T10:00:00Z"),
        ("03/03/2026", "UTC", "2026-03-03T00:00:00Z"),  # same either way
    ],
)
def test_one_time_phrases(text: str, zone: str, expected: str) -> None:
    assert _once(text, zone) == expected


def test_ambiguous_numeric_date_is_refused_without_date_order() -> None:
    err = _error("02/03/2026 at 10:00")
    assert err.field == "time_as_text"
    assert '"02/03/2026" is ambiguous' in err.message
    assert "date_order" in err.message


def test_date_order_settles_an_ambiguous_date() -> None:
    assert _once("02/03/2026 at 10:00", date_order="DMY") == "2026-03-02T10:00:00Z"
    assert _once("02/03/2026 at 10:00", date_order="MDY") == "2026-02-03T10:00:00Z"
    assert _once("02.03.2026 at 10:00", date_order="dmy") == "2026-03-02T10:00:00Z"
    assert _once("2026-03-02 at 10:00", date_order="MDY") == "2026-03-02T10:00:00Z"  # ISO is never reordered


def test_date_order_errors() -> None:
    assert _error("02/03/2026", date_order="YMD").message.startswith('"02/03/2026" does not fit date_order YMD')
    assert _error("13/24/2026", date_order="MDY").message == '"13/24/2026" is not a valid date'
    with pytest.raises(TimeSpecError) as caught:
        resolve(TimeInput(time_as_text="tomorrow", date_order="DDMMYY"), NOW)
    assert caught.value.field == "date_order"


def test_one_time_phrases_follow_the_dst_policy() -> None:
    assert _once("tomorrow at 2:30am", NY, now="2026-03-07T12:00") == "2026-03-08T07:00:00Z"  # gap
    assert _once("tomorrow at 1:30am", NY, now="2026-10-31T12:00") == "2026-11-01T05:30:00Z"  # first of two


@pytest.mark.parametrize(
    ("text", "expected_message"),
    [
        ("today at 17:45", "2026-01-15T17:45:00Z is in the past"),
        ("on 2025-12-24", "2025-12-24T00:00:00Z is in the past"),
        ("13pm", '"13pm" is not a valid time of day'),
        ("at 25:00", '"25:00" is not a valid time of day'),
        ("in 0 minutes", '"in 0 minutes" is not in the future'),
        ("February 30 at noon", '"february 30" is not a valid date'),
    ],
)
def test_understood_but_unusable(text: str, expected_message: str) -> None:
    err = _error(text)
    assert (err.field, err.message) == ("time_as_text", expected_message)


@pytest.mark.parametrize(
    ("text", "zone", "cron", "first"),
    [
        ("every day at 3 PM", "UTC", "0 15 * * *", "2026-01-16T15:00:00Z"),
        ("every day at 3 PM", LA, "0 15 * * *", "2026-01-15T23:00:00Z"),
        ("daily at 15:00", "UTC", "0 15 * * *", "2026-01-16T15:00:00Z"),
        ("every weekday at 9am", "UTC", "0 9 * * 1-5", "2026-01-16T09:00:00Z"),
        ("every weekday at 9am", SYD, "0 9 * * 1-5", "2026-01-15T22:00:00Z"),
        ("weekdays at 9am", "UTC", "0 9 * * 1-5", "2026-01-16T09:00:00Z"),
        ("Monday to Friday at 9am", "UTC", "0 9 * * 1-5", "2026-01-16T09:00:00Z"),
        ("every Monday and Wednesday at 18:30", "UTC", "30 18 * * 1,3", "2026-01-19T18:30:00Z"),
        ("every mon, wed and fri at 7am", "UTC", "0 7 * * 1,3,5", "2026-01-16T07:00:00Z"),
        ("mondays at 9", "UTC", "0 9 * * 1", "2026-01-19T09:00:00Z"),
        ("on Tuesdays and Thursdays at 8pm", "UTC", "0 20 * * 2,4", "2026-01-15T20:00:00Z"),
        ("every 15 minutes", "UTC", "*/15 * * * *", "2026-01-15T18:45:00Z"),
        ("every 15 minutes", KOL, "*/15 * * * *", "2026-01-15T18:45:00Z"),
        ("every minute", "UTC", "* * * * *", "2026-01-15T18:31:00Z"),
        ("every 30 seconds", "UTC", "*/30 * * * * *", "2026-01-15T18:30:30Z"),
        ("every 10 secs", "UTC", "*/10 * * * * *", "2026-01-15T18:30:10Z"),
        ("every hour", "UTC", "0 * * * *", "2026-01-15T19:00:00Z"),
        ("every hour", KOL, "0 * * * *", "2026-01-15T19:30:00Z"),  # the wall-clock hour in Kolkata
        ("hourly", "UTC", "0 * * * *", "2026-01-15T19:00:00Z"),
        ("every half hour", "UTC", "*/30 * * * *", "2026-01-15T19:00:00Z"),
        ("every 2 hours", LA, "0 */2 * * *", "2026-01-15T20:00:00Z"),
        ("every 15 minutes on weekdays", "UTC", "*/15 * * * 1-5", "2026-01-15T18:45:00Z"),
        ("every hour on weekends", "UTC", "0 * * * 0,6", "2026-01-17T00:00:00Z"),
        ("every day at 9am and 5pm", "UTC", "0 9,17 * * *", "2026-01-16T09:00:00Z"),
        ("on the 1st of every month at noon", "UTC", "0 12 1 * *", "2026-02-01T12:00:00Z"),
        ("every month on the 15th at 9:00", "UTC", "0 9 15 * *", "2026-02-15T09:00:00Z"),
        ("every month on the 15th at 9:00", LA, "0 9 15 * *", "2026-02-15T17:00:00Z"),
        ("monthly", "UTC", "0 0 1 * *", "2026-02-01T00:00:00Z"),
        ("on the last day of every month", "UTC", "0 0 L * *", "2026-01-31T00:00:00Z"),
        ("the last friday of every month at 17:00", "UTC", "0 17 * * 5L", "2026-01-30T17:00:00Z"),
        ("on the second monday of every month at 9am", "UTC", "0 9 * * 1#2", "2026-02-09T09:00:00Z"),
        ("every first monday of the month at 9", "UTC", "0 9 * * 1#1", "2026-02-02T09:00:00Z"),
        ("every Sunday", "UTC", "0 0 * * 0", "2026-01-18T00:00:00Z"),
        ("every weekend at 10am", "UTC", "0 10 * * 0,6", "2026-01-17T10:00:00Z"),
        ("weekly", "UTC", "0 0 * * 0", "2026-01-18T00:00:00Z"),
        ("every week on friday at 5pm", "UTC", "0 17 * * 5", "2026-01-16T17:00:00Z"),
        ("every year on December 24 at 10am", "UTC", "0 10 24 12 *", "2026-12-24T10:00:00Z"),
        ("every 24th of december", "UTC", "0 0 24 12 *", "2026-12-24T00:00:00Z"),
        ("yearly", "UTC", "0 0 1 1 *", "2027-01-01T00:00:00Z"),
        ("Every day at 09:30:15.", "UTC", "15 30 9 * * *", "2026-01-16T09:30:15Z"),
    ],
)
def test_recurring_phrases_become_cron(text: str, zone: str, cron: str, first: str) -> None:
    rec = resolve(TimeInput(time_as_text=text, timezone=zone), NOW)
    assert (rec.kind, rec.cron, iso(rec.first_run), rec.understood_as) == ("cron", cron, first, "time_as_text")
    assert rec.timezone == zone


@pytest.mark.parametrize(
    ("text", "seconds", "first"),
    [
        ("every 7 minutes", 420, "2026-01-15T18:37:00Z"),
        ("every 90 minutes", 5400, "2026-01-15T20:00:00Z"),
        ("every 5 hours", 18000, "2026-01-15T23:30:00Z"),
        ("every 2 days", 172800, "2026-01-17T18:30:00Z"),
        ("every other day", 172800, "2026-01-17T18:30:00Z"),
        ("every 2 weeks", 1209600, "2026-01-29T18:30:00Z"),
        ("every 45 seconds", 45, "2026-01-15T18:30:45Z"),
    ],
)
def test_uneven_steps_become_intervals(text: str, seconds: int, first: str) -> None:
    rec = resolve(TimeInput(time_as_text=text), NOW)
    assert (rec.kind, rec.interval_seconds, iso(rec.first_run)) == ("interval", seconds, first)


def test_recurring_text_honours_start_and_end() -> None:
    rec = resolve(
        TimeInput(time_as_text="every day at 9am", start_at="2026-02-01T00:00:00Z", end_at="2026-02-03T12:00:00Z"), NOW
    )
    assert iso(rec.first_run) == "2026-02-01T09:00:00Z"
    assert rec.description == "every day at 09:00 (UTC), until 2026-02-03 12:00"


def test_one_schedule_cannot_have_two_different_minutes() -> None:
    err = _error("every day at 9:15 and 17:30")
    assert err.message == "09:15 and 17:30 have different minutes: one schedule cannot fire at both; create two"


def test_a_recurring_phrase_that_never_fires_says_why() -> None:
    err = _error("every year on February 30")
    assert (err.field, err.message) == ("time_as_text", "February never has 30 days: this expression never fires")


@pytest.mark.parametrize(
    "text",
    [
        "Blah blah",
        "whenever you like",
        "every 15 minutes at 9am",
        "every 5 hours on mondays",
        "tomorrow and the day after",
        "next week",
        "at 3pm and 4pm tomorrow",
        "every fortnight-ish",
    ],
)
def test_unreadable_phrases_quote_the_text(text: str) -> None:
    err = _error(text)
    assert (err.field, err.message) == ("time_as_text", f'could not understand "{text}"')


def test_very_long_text_is_cut_in_the_message() -> None:
    err = _error("x" * 500)
    assert len(err.message) < 260
    assert err.message.endswith('..."')
