"""The HTTP API on the real services: Go-compatible creation, and every kind of bad input as a clear 4xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

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


def _future(seconds: int = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()


def test_go_style_request_creates_a_schedule_in_utc(client: FlaskClient) -> None:
    when = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    local = when.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    r = client.post(
        "/schedule",
        json={"webhook_url": URL, "method_type": "post", "payload": {"key": "value"}, "schedule_time": local},
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["time"] == when.isoformat().replace("+00:00", "Z")
    assert body["cron"] is None and body["method_type"] == "POST"
    doc = Schedule.objects.get(pk=body["id"])
    assert "value" not in doc.sealed and doc.next_run_at == when


def test_cron_schedule_answers_its_next_time(client: FlaskClient) -> None:
    r = client.post("/schedules", json={"webhook_url": URL, "payload": {}, "cron_expression": "0 15 * * *"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["cron"] == "0 15 * * *" and body["time"].endswith("T15:00:00Z")
    got = client.get(f"/schedules/{body['id']}").get_json()
    assert got["state"] == "active" and len(got["next_runs"]) == 5 and got["next_runs"][0] == body["time"]


def test_delete_cancels_and_a_second_delete_is_harmless(client: FlaskClient) -> None:
    sid = client.post("/schedule", json={"webhook_url": URL, "schedule_time": _future()}).get_json()["id"]
    assert client.delete(f"/schedules/{sid}").get_json()["state"] == "cancelled"
    assert client.delete(f"/schedules/{sid}").status_code == 200
    assert client.get(f"/schedules/{sid}").get_json()["next_runs"] == []


BAD = [
    ("malformed JSON", b'{"webhook_url": ', 400, None),
    ("body is a list", [1, 2], 400, None),
    ("missing url", {"schedule_time": "{future}"}, 400, "webhook_url"),
    ("url wrong type", {"webhook_url": 123, "schedule_time": "{future}"}, 400, "webhook_url"),
    ("url not a url", {"webhook_url": "not a url", "schedule_time": "{future}"}, 400, "webhook_url"),
    ("url wrong scheme", {"webhook_url": "ftp://127.0.0.1/x", "schedule_time": "{future}"}, 400, "webhook_url"),
    (
        "url to cloud metadata",
        {"webhook_url": "http://169.254.169.254/latest", "schedule_time": "{future}"},
        400,
        "webhook_url",
    ),
    (
        "url not verified",
        {"webhook_url": "http://127.0.0.1:18080/other", "schedule_time": "{future}"},
        400,
        "webhook_url",
    ),
    ("unknown method", {"webhook_url": URL, "method_type": "FETCH", "schedule_time": "{future}"}, 400, "method_type"),
    ("method wrong type", {"webhook_url": URL, "method_type": 7, "schedule_time": "{future}"}, 400, "method_type"),
    ("no time", {"webhook_url": URL}, 400, "schedule_time"),
    (
        "two times",
        {"webhook_url": URL, "schedule_time": "{future}", "cron_expression": "* * * * *"},
        400,
        "schedule_time",
    ),
    ("past time", {"webhook_url": URL, "schedule_time": "2023-10-01T15:00:00Z"}, 400, "schedule_time"),
    ("not a time", {"webhook_url": URL, "schedule_time": "tomorrow-ish"}, 400, "schedule_time"),
    ("time wrong type", {"webhook_url": URL, "schedule_time": 1700000000}, 400, "schedule_time"),
    ("bad cron", {"webhook_url": URL, "cron_expression": "61 * * * *"}, 400, "cron_expression"),
    ("cron never fires", {"webhook_url": URL, "cron_expression": "0 0 31 2 *"}, 400, "cron_expression"),
    ("unreadable text", {"webhook_url": URL, "time_as_text": "when pigs fly"}, 400, "time_as_text"),
    ("unknown zone", {"webhook_url": URL, "cron_expression": "0 9 * * *", "timezone": "Mars/Olympus"}, 400, "timezone"),
    ("unknown field", {"webhook_url": URL, "schedule_time": "{future}", "colour": "red"}, 400, "colour"),
    (
        "forbidden header",
        {"webhook_url": URL, "schedule_time": "{future}", "headers": {"Host": "x"}},
        400,
        "headers.Host",
    ),
    (
        "header injection",
        {"webhook_url": URL, "schedule_time": "{future}", "headers": {"X-A": "1\r\nX-B: 2"}},
        400,
        "headers.X-A",
    ),
    ("max_runs zero", {"webhook_url": URL, "cron_expression": "* * * * *", "max_runs": 0}, 400, "max_runs"),
    ("max_runs as text", {"webhook_url": URL, "cron_expression": "* * * * *", "max_runs": "5"}, 400, "max_runs"),
    (
        "bad misfire policy",
        {"webhook_url": URL, "cron_expression": "* * * * *", "misfire_policy": "maybe"},
        400,
        "misfire_policy",
    ),
    (
        "oversized payload",
        {"webhook_url": URL, "schedule_time": "{future}", "payload": {"x": "a" * 70000}},
        413,
        "payload",
    ),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_4xx_naming_the_field_and_stores_nothing(
    client: FlaskClient, case: str, body: object, status: int, field: str | None
) -> None:
    if isinstance(body, dict):
        body = {k: (_future() if v == "{future}" else v) for k, v in body.items()}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    before = Schedule.objects.count()
    r = client.post("/schedule", data=raw, content_type="application/json")
    assert r.status_code == status, (case, r.get_json())
    error = r.get_json()
    assert isinstance(error["error"], str) and error["error"]
    if field:
        assert error["field"] == field, error
        assert field.split(".")[0] in error["error"]
    assert Schedule.objects.count() == before


def test_unknown_schedule_is_404_on_every_route(client: FlaskClient) -> None:
    for path in ("/schedules/6b0000000000000000000000", "/schedules/not-an-id", "/schedules/not-an-id/runs"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "not found" in r.get_json()["error"]
    assert client.delete("/schedules/not-an-id").status_code == 404


def test_ready_reports_each_dependency(client: FlaskClient) -> None:
    r = client.get("/ready")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"] == {"mongodb": "ok", "redis": "ok", "kafka": "ok"}
    assert client.get("/health").get_json()["status"] == "ok"


def test_openapi_document_lists_the_routes(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    for path in (
        "/schedule",
        "/schedules",
        "/schedules/{schedule_id}",
        "/schedules/{schedule_id}/runs",
        "/webhook/verify",
        "/health",
        "/ready",
    ):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200
