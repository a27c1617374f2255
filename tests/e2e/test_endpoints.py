"""Issue 4 end to end: challenge verification and signed deliveries, secret rotation, dead-letter replay with a
failure callback, and the circuit breaker pausing a failing endpoint while another one stays on time."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from letitgo.receiver import WebhookVerificationError, verify
from tests.e2e.conftest import Api
from tests.e2e.receiver import Receiver

pytestmark = pytest.mark.e2e


def _register_and_verify(api: Api, receiver: Receiver, path: str) -> str:
    """Register the endpoint, give its secret to the receiver, pass the challenge; return the secret."""
    r = api.post("/endpoints", {"webhook_url": receiver.url(path)})
    assert r.status_code == 201, r.text
    secret = r.json()["signing_secret"]
    receiver.secrets[path] = secret
    r = api.post("/endpoints/verify", {"webhook_url": receiver.url(path)})
    assert r.status_code == 200 and r.json()["verified_by"] == "challenge", r.text
    return secret


def _deliver_once(api: Api, receiver: Receiver, path: str, payload: dict) -> dict:
    """Schedule one webhook a second from now and return what the receiver got."""
    before = len(receiver.got(path))
    api.schedule({"webhook_url": receiver.url(path), "payload": payload, "delay": 1})
    got = receiver.wait_for(path, before + 1, timeout=10)
    assert len(got) == before + 1, f"nothing arrived for {payload}"
    return {"headers": got[-1].headers, "body": got[-1].body}


def _rejects(secret: str, delivery: dict) -> bool:
    try:
        verify(secret, delivery["headers"], delivery["body"])
    except WebhookVerificationError:
        return True
    return False


def test_challenge_issues_the_secret_and_rotation_signs_with_both(api: Api, receiver: Receiver) -> None:
    first = _register_and_verify(api, receiver, "/hooks/signed")
    one = _deliver_once(api, receiver, "/hooks/signed", {"n": 1})
    verify(first, one["headers"], one["body"])
    assert len(one["headers"]["webhook-signature"].split()) == 1

    r = api.post("/endpoints/rotate-secret", {"webhook_url": receiver.url("/hooks/signed"), "overlap_seconds": 3600})
    assert r.status_code == 200, r.text
    second = r.json()["signing_secret"]
    two = _deliver_once(api, receiver, "/hooks/signed", {"n": 2})
    assert len(two["headers"]["webhook-signature"].split()) == 2, "both secrets sign during the overlap"
    verify(first, two["headers"], two["body"])  # a receiver not yet updated still accepts it
    verify(second, two["headers"], two["body"])  # and so does one already on the new secret

    r = api.post("/endpoints/rotate-secret", {"webhook_url": receiver.url("/hooks/signed"), "overlap_seconds": 1})
    third = r.json()["signing_secret"]
    time.sleep(1.1)  # the overlap ends
    three = _deliver_once(api, receiver, "/hooks/signed", {"n": 3})
    assert len(three["headers"]["webhook-signature"].split()) == 1
    verify(third, three["headers"], three["body"])
    assert _rejects(second, three) and _rejects(first, three)
    shown = api.get(f"/endpoints?webhook_url={receiver.url('/hooks/signed')}").json()["endpoints"][0]
    assert [s["active"] for s in shown["secrets"]] == [True, False, False]
    assert not any(s in json.dumps(shown) for s in (first, second, third))


def test_a_dead_run_replayed_through_the_api_is_delivered_once_the_receiver_is_back(
    api: Api, receiver: Receiver
) -> None:
    callback_secret = _register_and_verify(api, receiver, "/hooks/failures")
    down = Receiver(secret_key=receiver.secret_key).start()
    port = down.server.server_address[1]  # type: ignore[union-attr]
    secret = _register_and_verify(api, down, "/hooks/later")
    down.stop()
    sid = api.schedule(
        {
            "webhook_url": down.url("/hooks/later"),
            "payload": {"important": True},
            "delay": 1,
            "max_attempts": 2,
            "failure_callback_url": receiver.url("/hooks/failures"),
        }
    )["id"]

    (notice,) = receiver.wait_for("/hooks/failures", 1, timeout=15)
    verify(callback_secret, notice.headers, notice.body)
    dead = api.get(f"/runs?state=dead&schedule_id={sid}").json()["runs"]
    assert len(dead) == 1 and [a["error_kind"] for a in dead[0]["attempts"]] == ["connect", "connect"]
    run_id = dead[0]["id"]
    assert notice.json() == {
        "type": "run.dead",
        "run_id": run_id,
        "schedule_id": sid,
        "reason": "retries exhausted: connect: connection refused",
        "attempts": 2,
    }

    back = Receiver(secret_key=receiver.secret_key).start(port=port)
    try:
        r = api.post(f"/runs/{run_id}/replay", {})
        assert r.status_code == 202 and r.json()["state"] == "pending", r.text
        (got,) = back.wait_for("/hooks/later", 1, timeout=10)
        assert got.headers["webhook-id"] == run_id and got.json() == {"important": True}
        verify(secret, got.headers, got.body)
        run = _wait_run(api, run_id, "delivered")
        assert [a["number"] for a in run["attempts"]] == [1, 2, 3] and run["replay_count"] == 1
        assert api.get(f"/runs?state=dead&schedule_id={sid}").json()["runs"] == []
    finally:
        back.stop()


def test_the_breaker_pauses_a_failing_endpoint_while_another_stays_on_time(api: Api, receiver: Receiver) -> None:
    sick = Receiver(secret_key=receiver.secret_key).start()
    try:
        sick.script["/hooks/sick"] = [503] * 10_000
        api.verify(sick.url("/hooks/sick"))
        api.verify(receiver.url("/hooks/healthy"))
        started = time.time()
        failing = api.schedule(
            {"webhook_url": sick.url("/hooks/sick"), "payload": {}, "cron_expression": "* * * * * *", "max_attempts": 3}
        )["id"]
        due = [_at(3 + i) for i in range(8)]
        for t in due:
            api.schedule(
                {
                    "webhook_url": receiver.url("/hooks/healthy"),
                    "payload": {"at": t.isoformat()},
                    "schedule_time": t.isoformat(),
                }
            )

        shown = _wait_endpoint(api, sick.url("/hooks/sick"), lambda e: e["state"] == "circuit_open", 15)
        assert "consecutive failed attempts" in shown["state_reason"] or "probe failed" in shown["state_reason"]
        assert shown["open_until"] is not None and shown["circuit"]["consecutive_failures"] >= 5
        opened = time.time() - started

        got = receiver.wait_for("/hooks/healthy", len(due), timeout=15)
        late = [r.at - datetime.fromisoformat(r.json()["at"]).timestamp() for r in got]  # type: ignore[index]
        assert len(late) == len(due) and all(abs(x) < 1.0 for x in late), late

        # While open only probes reach the sick endpoint: at most one per cooldown (2 s, then 4 s).
        count = len(sick.got("/hooks/sick"))
        time.sleep(4)
        assert len(sick.got("/hooks/sick")) - count <= 2

        sick.script["/hooks/sick"].clear()  # the endpoint recovers: the next probe closes the circuit
        recovered = time.time()
        _wait_endpoint(api, sick.url("/hooks/sick"), lambda e: e["state"] == "active", 12)
        runs = _wait_held_runs_delivered(api, failing, recovered)
        print(
            f"\nbreaker opened after {opened:.1f}s; healthy endpoint max lateness {max(abs(x) for x in late):.3f}s; "
            f"{len(runs)} runs held without attempts then delivered"
        )
    finally:
        api.delete(f"/schedules/{failing}")
        sick.stop()


def _wait_held_runs_delivered(api: Api, schedule_id: str, recovered: float, timeout: float = 15) -> list[dict]:
    """Runs due while the circuit was open were held without attempts, then sent once when it closed.

    Until ``recovered`` every attempt got a 503, so a run due well before it whose only attempt succeeded
    was never attempted while the endpoint was failing.
    """
    deadline = time.monotonic() + timeout
    held: list[dict] = []
    while time.monotonic() < deadline:
        runs = api.get(f"/runs?schedule_id={schedule_id}&limit=500").json()["runs"]
        held = [
            r
            for r in runs
            if r["state"] == "delivered"
            and [a["status_code"] for a in r["attempts"]] == [200]
            and datetime.fromisoformat(r["scheduled_for"].replace("Z", "+00:00")).timestamp() < recovered - 1
        ]
        if len(held) >= 3:
            return held
        time.sleep(0.3)
    raise AssertionError(f"held runs were not delivered after recovery: {held}")


def _at(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


def _wait_endpoint(api: Api, url: str, cond: object, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = api.get(f"/endpoints?webhook_url={url}").json()["endpoints"][0]
        if cond(shown):  # type: ignore[operator]
            return shown
        time.sleep(0.2)
    raise AssertionError(f"endpoint never reached the expected state: {shown}")


def _wait_run(api: Api, run_id: str, state: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    run: dict = {}
    while time.monotonic() < deadline:
        run = api.get(f"/runs/{run_id}").json()
        if run["state"] == state:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run never reached {state}: {run}")
