"""Issue 2's end-to-end checks: the Go project's flow through API, MongoDB, beat, Kafka, bridge and worker."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Api
from tests.e2e.receiver import Receiver

pytestmark = pytest.mark.e2e


def _at(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


def _rfc3339(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_one_time_webhook_arrives_once_on_time_with_exact_payload(api: Api, receiver: Receiver) -> None:
    url = receiver.url("/hooks/once")
    api.verify(url)
    when = _at(4)
    payload = {"message": "Hello, World!", "nested": {"n": [1, 2.5, None, True]}, "unicode": "żółw ✓"}
    created = api.schedule(
        {"webhook_url": url, "method_type": "PUT", "payload": payload, "schedule_time": _rfc3339(when)}
    )
    assert created["time"] == _rfc3339(when) and created["cron"] is None

    got = receiver.wait_for("/hooks/once", 1, timeout=15)
    time.sleep(2)  # anything that would arrive twice arrives by now
    got = receiver.got("/hooks/once")
    assert len(got) == 1
    delivery = got[0]
    assert abs(delivery.at - when.timestamp()) < 1.0, f"arrived {delivery.at - when.timestamp():+.3f}s off"
    assert delivery.method == "PUT"
    assert delivery.json() == payload
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["webhook-id"].startswith(f"run_{created['id']}_")

    runs = api.get(f"/schedules/{created['id']}/runs").json()["runs"]
    assert [r["state"] for r in runs] == ["delivered"]
    assert [a["status_code"] for a in runs[0]["attempts"]] == [200]
    status = api.get(f"/schedules/{created['id']}").json()
    assert status["state"] == "completed" and status["run_count"] == 1
    assert status["last_outcome"] == "delivered"


def test_cron_fires_on_consecutive_occurrences_then_stops_after_delete(api: Api, receiver: Receiver) -> None:
    url = receiver.url("/hooks/cron")
    api.verify(url)
    created = api.schedule(
        {"webhook_url": url, "method_type": "POST", "payload": {"tick": True}, "cron_expression": "*/2 * * * * *"}
    )
    got = receiver.wait_for("/hooks/cron", 2, timeout=15)
    assert len(got) >= 2
    first, second = got[0], got[1]
    assert 1.0 < second.at - first.at < 3.0
    for r in (first, second):
        assert abs(r.at - round(r.at / 2) * 2) < 1.0  # on an even second
    assert first.headers["webhook-id"] != second.headers["webhook-id"]

    r = api.delete(f"/schedules/{created['id']}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    count = len(receiver.got("/hooks/cron"))
    time.sleep(5)
    assert len(receiver.got("/hooks/cron")) == count, "a cancelled schedule fired again"
    assert api.get(f"/schedules/{created['id']}").json()["state"] == "cancelled"


def test_retry_on_503_delivers_on_third_attempt_and_shows_three_attempts(api: Api, receiver: Receiver) -> None:
    url = receiver.url("/hooks/flaky")
    api.verify(url)
    receiver.script["/hooks/flaky"] = [503, 503]
    created = api.schedule({"webhook_url": url, "payload": {"n": 1}, "schedule_time": _rfc3339(_at(3))})
    got = receiver.wait_for("/hooks/flaky", 3, timeout=20)
    assert len(got) == 3
    assert len({r.headers["webhook-id"] for r in got}) == 1, "webhook-id changed between retries"
    assert len({r.body for r in got}) == 1
    runs = _wait_run_state(api, created["id"], "delivered")
    assert [a["status_code"] for a in runs[0]["attempts"]] == [503, 503, 200]
    assert runs[0]["attempt_count"] == 3


def test_a_down_receiver_ends_dead_while_others_stay_on_time(api: Api, receiver: Receiver) -> None:
    down = Receiver(secret_key=receiver.secret_key).start()
    down_url = down.url("/hooks/down")
    api.verify(down_url)
    down.stop()  # verified, then gone: connections are refused from now on
    ok_url = receiver.url("/hooks/meanwhile")
    api.verify(ok_url)
    failing = api.schedule(
        {"webhook_url": down_url, "payload": {"x": 1}, "schedule_time": _rfc3339(_at(3)), "max_attempts": 3}
    )
    when = [_at(4 + i) for i in range(3)]
    for t in when:
        api.schedule({"webhook_url": ok_url, "payload": {"at": _rfc3339(t)}, "schedule_time": _rfc3339(t)})

    got = receiver.wait_for("/hooks/meanwhile", 3, timeout=20)
    assert len(got) == 3
    for r in got:
        due = datetime.fromisoformat(json.loads(r.body)["at"].replace("Z", "+00:00")).timestamp()
        assert abs(r.at - due) < 1.0
    runs = _wait_run_state(api, failing["id"], "dead")
    attempts = runs[0]["attempts"]
    assert len(attempts) == 3
    assert all(a["status_code"] is None and a["error_kind"] == "connect" for a in attempts)


def _wait_run_state(api: Api, schedule_id: str, state: str, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = api.get(f"/schedules/{schedule_id}/runs").json()["runs"]
        if runs and runs[0]["state"] == state:
            return runs
        time.sleep(0.2)
    raise AssertionError(f"run never reached {state}: {runs}")
