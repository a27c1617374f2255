"""The time zone a user names: IANA names in any case, never the host's own zone or a placeholder."""

from __future__ import annotations

import pytest

from letitgo.errors import TimeSpecError
from letitgo.timespec import TimeInput, resolve
from tests.unit.timespec.helpers import iso, utc

NOW = utc("2026-01-15T18:30:00")


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("utc", "UTC"), ("america/new_york", "America/New_York"), (" Asia/Kolkata ", "Asia/Kolkata"), ("EST", "EST")],
)
def test_iana_names_are_read_in_any_case_and_stored_canonical(given: str, canonical: str) -> None:
    rec = resolve(TimeInput(cron_expression="0 9 * * *", timezone=given), NOW)
    assert rec.timezone == canonical


def test_a_lower_case_zone_fires_at_the_zones_time() -> None:
    rec = resolve(TimeInput(cron_expression="0 9 * * *", timezone="america/new_york"), NOW)
    assert iso(rec.first_run) == "2026-01-16T14:00:00Z"


@pytest.mark.parametrize(
    "name", ["localtime", "posixrules", "Factory", "right/UTC", "posix/Europe/Paris", "Europe/", "zone.tab"]
)
def test_host_dependent_and_non_zone_files_are_refused(name: str) -> None:
    with pytest.raises(TimeSpecError) as caught:
        resolve(TimeInput(cron_expression="0 9 * * *", timezone=name), NOW)
    assert caught.value.field == "timezone"
    assert "unknown time zone" in caught.value.message
