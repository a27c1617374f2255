"""What a new user throws at the API: extreme times, odd bodies, huge numbers. Always a 4xx naming the field."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pymongo.errors
import pytest
import redis.exceptions
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


BAD_BODIES = [
    ("NaN in a payload", b'{"webhook_url": "%s", "delay": 60, "payload": {"x": NaN}}', "NaN"),
    ("Infinity in a payload", b'{"webhook_url": "%s", "delay": 60, "payload": [-Infinity]}', "Infinity"),
    ("a number that overflows", b'{"webhook_url": "%s", "delay": 60, "payload": 1e400}', "too large"),
    ("NaN in a time field", b'{"webhook_url": "%s", "delay": NaN}', "NaN"),
    ("Infinity in a time field", b'{"webhook_url": "%s", "interval": Infinity}', "Infinity"),
    ("not UTF-8", b'{"webhook_url": "%s", "delay": 60, "payload": "\xe9"}', "UTF-8"),
    ("malformed", b'{"webhook_url": "%s", ', "line 1 column"),
    ("nested too deeply", b'{"webhook_url": "%s", "delay": 60, "payload": ' + b"[" * 5000 + b"]" * 5000 + b"}", "deep"),
]


@pytest.mark.parametrize(("case", "raw", "words"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bodies_that_are_not_standard_json_are_a_400_saying_so(
    client: FlaskClient, case: str, raw: bytes, words: str
) -> None:
    before = Schedule.objects.count()
    for path in ("/schedule", "/schedules", "/schedules/preview", "/webhook/verify"):
        r = client.post(path, data=raw.replace(b"%s", URL.encode()), content_type="application/json")
        assert r.status_code == 400, (case, path, r.get_json())
        assert "not valid JSON" in r.get_json()["error"] and words in r.get_json()["error"], r.get_json()
    assert Schedule.objects.count() == before


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_a_json_body_without_the_json_content_type_is_a_415_naming_it(
    client: FlaskClient, content_type: str | None
) -> None:
    raw = b'{"webhook_url": "%s", "delay": 60}'.replace(b"%s", URL.encode())
    r = client.post("/schedule", data=raw, content_type=content_type)
    assert r.status_code == 415, r.get_json()
    assert "Content-Type: application/json" in r.get_json()["error"]
    ok = client.post("/schedule", data=raw, content_type="application/json; charset=utf-8")
    assert ok.status_code == 201, ok.get_json()


@pytest.mark.parametrize("body", [[], "text", None, 3])
def test_a_body_that_is_not_an_object_says_so(client: FlaskClient, body: object) -> None:
    r = client.post("/schedule", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"] == "the request body must be a JSON object"
    assert "field" not in r.get_json()


@pytest.mark.parametrize("max_runs", [2**31, 2**63, 10**30])
def test_max_runs_too_large_to_store_is_a_400(client: FlaskClient, max_runs: int) -> None:
    r = client.post("/schedule", json={"webhook_url": URL, "interval": 60, "max_runs": max_runs})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == "max_runs"


def test_openapi_documents_the_errors_as_they_are_sent(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    ref = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"]["$ref"]
    error = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert {"code", "status", "error", "field", "errors"} <= set(error)
    create = spec["paths"]["/schedule"]["post"]["responses"]
    assert "400" in create and "422" not in create
    sent = client.post("/schedule", json={"webhook_url": URL, "delay": "soon"})
    assert sent.status_code == 400 and set(sent.get_json()) <= set(error)


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (pymongo.errors.AutoReconnect("connection refused"), "MongoDB"),
        (pymongo.errors.ServerSelectionTimeoutError("no servers"), "MongoDB"),
        (redis.exceptions.ConnectionError("Error 111 connecting"), "Redis"),
    ],
)
def test_a_dependency_that_is_down_is_a_503_to_retry_not_a_500(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, error: Exception, name: str
) -> None:
    def down(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(storage, "get_schedule", down)
    r = client.get("/schedules/6b0000000000000000000000")
    assert r.status_code == 503, r.get_json()
    assert r.get_json()["error"] == f"{name} is unavailable; try again shortly"
    assert r.headers["Retry-After"] == "5"


BAD_HEADERS = [
    {"X-Ü": "v"},
    {"X A": "v"},
    {"X(A)": "v"},
    {"X-Sp": " leading blank"},
    {"X-Ctl": "a\x01b"},
    {"X-Del": "a\x7fb"},
    {"X-Nul": "a\x00b"},
    {"X-Lf": "a\nb"},
]


@pytest.mark.parametrize("headers", BAD_HEADERS, ids=repr)
def test_headers_no_http_client_can_send_are_refused_when_given(client: FlaskClient, headers: dict) -> None:
    (name,) = headers
    created = client.post("/schedule", json={"webhook_url": URL, "delay": 600, "headers": headers})
    assert created.status_code == 400, created.get_json()
    assert created.get_json()["field"] == f"headers.{name}"
    sid = client.post("/schedule", json={"webhook_url": URL, "delay": 600}).get_json()["id"]
    patched = client.patch(f"/schedules/{sid}", json={"headers": headers})
    assert patched.status_code == 400, patched.get_json()
    assert patched.get_json()["field"] == f"headers.{name}"


def test_unusual_but_valid_headers_are_kept(client: FlaskClient) -> None:
    headers = {"X_A.b~!": "café ✓", "X-Tab": "a\tb", "X-Empty": "", "X-Trail": "v "}
    r = client.post("/schedule", json={"webhook_url": URL, "delay": 600, "headers": headers})
    assert r.status_code == 201, r.get_json()
