"""What a new user throws at the API: extreme times, odd bodies, huge numbers. Always a 4xx naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from letitgo import storage
from letitgo.api import create_app
from letitgo.models import Schedule
from letitgo.settings import Settings

URL = "http://127.0.0.1:18080/hook"


@pytest.fixture()
def client(clean_db: Settings, services: dict[str, str]) -> Iterator[FlaskClient]:
    storage.save_endpoint(URL, "test", None)
    yield create_app().test_client()


EXTREME_TIMES = [
    ("/schedule", {"webhook_url": URL, "schedule_time": "9999-12-31T23:59:59-05:00"}, "schedule_time"),
    ("/schedule", {"webhook_url": URL, "schedule_time": "0001-01-01T00:00:00+05:00"}, "schedule_time"),
    ("/schedule", {"webhook_url": URL, "schedule_time": "9999-12-31T23:59:59.5Z"}, "schedule_time"),
    ("/schedule", {"webhook_url": URL, "interval": "1h", "start_at": "9999-12-31T20:00:00Z"}, "start_at"),
    ("/schedule", {"webhook_url": URL, "time_as_text": "in 99999999999999999999 minutes"}, "time_as_text"),
    ("/schedule", {"webhook_url": URL, "time_as_text": "every 0 minutes"}, "time_as_text"),
    ("/schedules/preview", {"interval": "1h", "reference_time": "9999-12-31T20:00:00Z"}, "reference_time"),
    (
        "/schedules/preview",
        {"cron_expression": "0 * * * *", "reference_time": "0001-01-01T00:00:00Z"},
        "reference_time",
    ),
    ("/schedules/preview", {"delay": 60, "reference_time": "9999-12-31T23:59:30Z"}, "reference_time"),
]


@pytest.mark.parametrize(("path", "body", "field"), EXTREME_TIMES)
def test_extreme_times_are_a_400_naming_the_field(client: FlaskClient, path: str, body: dict, field: str) -> None:
    before = Schedule.objects.count()
    r = client.post(path, json=body)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == field, r.get_json()
    assert Schedule.objects.count() == before
