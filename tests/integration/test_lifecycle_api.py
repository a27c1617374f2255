"""Issue 3 through the API on the real services: preview, list, PATCH, pause/resume, trigger, 409s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient

from letitgo import storage
from letitgo.api import create_app
from letitgo.models import Run, Schedule
from letitgo.payload import open_sealed
from letitgo.runtime import get_runtime
from letitgo.settings import Settings

URL = "http://127.0.0.1:18080/hook"


@pytest.fixture()
def client(clean_db: Settings, services: dict[str, str]) -> Iterator[FlaskClient]:
    storage.save_endpoint(URL, "test", None)
    yield create_app().test_client()


def _create(client: FlaskClient, **fields: object) -> dict:
    r = client.post("/schedules", json={"webhook_url": URL, "payload": {"v": 1}, **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_preview_follows_the_dst_policy_and_stores_nothing(client: FlaskClient) -> None:
    before = Schedule.objects.count()
    r = client.post(
        "/schedules/preview",
        json={
            "cron_expression": "30 1 * * *",
            "timezone": "America/New_York",
            "reference_time": "2026-10-31T12:00:00Z",
            "count": 3,
        },
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["next_runs"] == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"]
    r = client.post(
        "/schedules/preview",
        json={
            "cron_expression": "30 2 * * *",
            "timezone": "America/New_York",
            "reference_time": "2026-03-07T12:00:00Z",
            "count": 1,
        },
    )
    assert r.get_json()["next_runs"] == ["2026-03-08T07:00:00Z"]
    assert Schedule.objects.count() == before


def test_preview_of_text_in_a_zone_says_how_it_was_understood(client: FlaskClient) -> None:
    r = client.post(
        "/schedules/preview",
        json={
            "time_as_text": "every weekday at 9am",
            "timezone": "Europe/Paris",
            "reference_time": "2026-12-04T12:00:00Z",
            "count": 2,
        },
    )
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["next_runs"] == ["2026-12-07T08:00:00Z", "2026-12-08T08:00:00Z"]  # Fri noon -> Mon, Tue 09:00 CET
    assert body["kind"] == "cron" and body["timezone"] == "Europe/Paris" and body["description"]
    r = client.post(
        "/schedules/preview",
        json={"time_as_text": "3pm", "timezone": "America/Los_Angeles", "reference_time": "2026-12-03T12:00:00Z"},
    )
    assert r.get_json()["next_runs"][0] == "2026-12-03T23:00:00Z"
    bad = client.post("/schedules/preview", json={"time_as_text": "sometime soonish"})
    assert bad.status_code == 400 and "sometime soonish" in bad.get_json()["error"]


def test_list_pages_with_a_cursor_and_filters_by_state(client: FlaskClient) -> None:
    ids = [_create(client, cron_expression="0 9 * * *")["id"] for _ in range(5)]
    client.post(f"/schedules/{ids[0]}/pause")
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get("/schedules" + query).get_json()
        seen += [s["id"] for s in page["schedules"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    paused = client.get("/schedules?state=paused").get_json()["schedules"]
    assert [s["id"] for s in paused] == [ids[0]]
    assert client.get("/schedules?cursor=nonsense").status_code == 400


def test_patch_reseals_the_request_and_recomputes_the_next_run(client: FlaskClient) -> None:
    sid = _create(client, cron_expression="0 9 * * *")["id"]
    r = client.patch(
        f"/schedules/{sid}", json={"payload": {"v": 2}, "headers": {"X-Trace": "abc"}, "timezone": "Asia/Tokyo"}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["time"].endswith("T00:00:00Z")  # 09:00 in Tokyo
    doc = Schedule.objects.get(pk=sid)
    stored = open_sealed(get_runtime().cipher, sid, doc.sealed)
    assert stored.body == b'{"v":2}' and stored.headers == {"X-Trace": "abc"}
    r = client.patch(f"/schedules/{sid}", json={"cron_expression": "*/15 * * * *"})
    assert r.get_json()["cron"] == "*/15 * * * *" and r.get_json()["timezone"] == "Asia/Tokyo"
    assert client.patch(f"/schedules/{sid}", json={"cron_expression": "0 0 30 2 *"}).status_code == 400
    assert Schedule.objects.get(pk=sid).cron == "*/15 * * * *"


def test_pause_resume_and_impossible_transitions(client: FlaskClient) -> None:
    sid = _create(client, cron_expression="*/5 * * * *")["id"]
    assert client.post(f"/schedules/{sid}/pause").get_json()["state"] == "paused"
    assert client.post(f"/schedules/{sid}/pause").status_code == 200
    Schedule._get_collection().update_one(
        {"_id": Schedule.objects.get(pk=sid).pk},
        {"$set": {"next_run_at": datetime.now(timezone.utc) - timedelta(hours=1)}},
    )
    resumed = client.post(f"/schedules/{sid}/resume").get_json()
    assert resumed["state"] == "active"
    assert datetime.fromisoformat(resumed["time"].replace("Z", "+00:00")) > datetime.now(timezone.utc)
    client.delete(f"/schedules/{sid}")
    for path in ("pause", "resume", "trigger"):
        r = client.post(f"/schedules/{sid}/{path}")
        assert r.status_code == 409, path
        assert "cancelled" in r.get_json()["error"]
    assert client.patch(f"/schedules/{sid}", json={"payload": {}}).status_code == 409


def test_trigger_adds_a_manual_run_without_moving_the_recurrence(client: FlaskClient) -> None:
    created = _create(client, cron_expression="0 9 * * *")
    r = client.post(f"/schedules/{created['id']}/trigger")
    assert r.status_code == 202
    run = Run.objects.get(pk=r.get_json()["run_id"])
    assert run.trigger == "manual" and run.state == "pending"
    assert client.get(f"/schedules/{created['id']}").get_json()["time"] == created["time"]
