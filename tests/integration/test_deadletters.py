"""Dead letters, replays, failure callbacks and endpoint health, with deliveries made by the real runner
(letitgo.delivery.runner.deliver_run) to a real receiver, on the real FerretDB and Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient

from letitgo import deadletters, lifecycle, storage
from letitgo.breaker import EndpointHealth
from letitgo.delivery.http import Outcome, OutcomeKind
from letitgo.delivery.runner import deliver_run
from letitgo.models import Attempt, Run
from letitgo.receiver import verify
from letitgo.runtime import Runtime, get_runtime
from tests.e2e.receiver import Receiver


@pytest.fixture()
def rt(client: FlaskClient) -> Iterator[Runtime]:
    """The process runtime with a quick breaker (threshold 2, cooldown 0.3 s); restored afterwards."""
    runtime = get_runtime()
    quick = SimpleNamespace(
        endpoint_concurrency=2,
        breaker_threshold=2,
        breaker_cooldown=0.3,
        breaker_cooldown_max=0.6,
        inline_budget=runtime.settings.inline_budget,
        attempt_deadline=runtime.settings.attempt_deadline,
    )
    saved = runtime.__dict__.get("breaker")
    runtime.__dict__["breaker"] = EndpointHealth(runtime.settings.redis_url, quick)
    yield runtime
    runtime.__dict__.pop("breaker")
    if saved is not None:
        runtime.__dict__["breaker"] = saved


REFUSED = Outcome(OutcomeKind.RETRYABLE, None, 1.0, "connect", "connection refused")


def no_sleep(_seconds: float) -> None:
    return None


def _schedule(client: FlaskClient, url: str, **fields: object) -> str:
    storage.save_endpoint(url, "test", None)
    r = client.post("/schedules", json={"webhook_url": url, "payload": {"n": 1}, "delay": 3600, **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _run(client: FlaskClient, url: str, **fields: object) -> tuple[str, str]:
    """A schedule and one manual run of it, pending now."""
    sid = _schedule(client, url, **fields)
    return sid, lifecycle.trigger(sid)["_id"]


def _numbers(run_id: str) -> list[int]:
    return [a.number for a in Attempt.objects(run_id=run_id).order_by("number")]


def test_a_replayed_dead_run_gets_a_fresh_budget_and_keeps_numbering(
    client: FlaskClient, receiver: Receiver, rt: Runtime
) -> None:
    receiver.script["/r"] = [503, 503, 503]
    _sid, rid = _run(client, receiver.url("/r"), max_attempts=2)
    rt.breaker.reset(receiver.url("/r"))
    assert deliver_run(rid, rt, no_sleep).state == "dead"
    assert _numbers(rid) == [1, 2]
    dead = client.get("/runs?state=dead").get_json()["runs"]
    assert [r["id"] for r in dead] == [rid] and len(dead[0]["attempts"]) == 2

    r = client.post(f"/runs/{rid}/replay")
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["state"] == "pending" and body["trigger"] == "replay" and body["replay_count"] == 1
    assert body["attempt_count"] == 2 and body["replayed_at"] is not None
    run = storage.get_run(rid)
    assert run is not None and abs((run.next_attempt_at - datetime.now(UTC)).total_seconds()) < 5

    rt.breaker.reset(receiver.url("/r"))
    assert deliver_run(rid, rt, no_sleep).state == "delivered"  # attempt 3: 503, attempt 4: 200
    assert _numbers(rid) == [1, 2, 3, 4]
    got = receiver.got("/r")
    assert len(got) == 4 and {g.headers["webhook-id"] for g in got} == {rid}


def test_a_forced_replay_of_a_delivered_run_is_sent_again(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    _sid, rid = _run(client, receiver.url("/f"))
    assert deliver_run(rid, rt, no_sleep).state == "delivered"
    assert rt.cache.is_delivered(rid)
    refused = client.post(f"/runs/{rid}/replay", json={})
    assert refused.status_code == 409 and "force" in refused.get_json()["error"]
    assert client.post(f"/runs/{rid}/replay", json={"force": True}).status_code == 202
    assert not rt.cache.is_delivered(rid), "the idempotency mark would skip the replay"
    assert deliver_run(rid, rt, no_sleep).state == "delivered"
    assert len(receiver.got("/f")) == 2 and _numbers(rid) == [1, 2]


def test_replay_refusals(client: FlaskClient, receiver: Receiver) -> None:
    sid, rid = _run(client, receiver.url("/x"))
    assert client.post("/runs/run_nope/replay").status_code == 404
    pending = client.post(f"/runs/{rid}/replay", json={"force": True})
    assert pending.status_code == 409 and "pending" in pending.get_json()["error"]
    storage.update_run(rid, {"state": "dead"})
    client.delete(f"/schedules/{sid}")
    cancelled = client.post(f"/runs/{rid}/replay")
    assert cancelled.status_code == 409 and "cancelled schedule" in cancelled.get_json()["error"]
    bad = client.post(f"/runs/{rid}/replay", json={"force": "maybe"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "force"


def _dead_runs(sid: str, url: str, times: list[datetime], state: str = "dead") -> list[str]:
    now = datetime.now(UTC)
    docs = [
        {
            "_id": f"run_{sid}_{int(t.timestamp() * 1000)}{suffix}",
            "schedule_id": sid,
            "scheduled_for": t,
            "trigger": "schedule",
            "state": state,
            "reason": "retries exhausted: HTTP 503",
            "webhook_url": url,
            "method": "POST",
            "sealed": storage.get_schedule(sid).sealed,
            "attempt_count": 1,
            "created_at": now,
            "updated_at": now,
        }
        for suffix, t in enumerate(times)
    ]
    storage.insert_runs(docs)
    for d in docs:
        storage.add_attempt(
            Attempt(run_id=d["_id"], schedule_id=sid, number=1, started_at=now, outcome="retryable", status_code=503)
        )
    return [d["_id"] for d in docs]


def test_dead_letters_are_listed_newest_first_filtered_and_paged(client: FlaskClient) -> None:
    url_a, url_b = "http://127.0.0.1:9/a", "http://127.0.0.1:9/b"
    sid_a, sid_b = _schedule(client, url_a), _schedule(client, url_b)
    base = datetime(2030, 1, 1, tzinfo=UTC)
    tie = base + timedelta(hours=1)
    a = _dead_runs(sid_a, url_a, [base, tie, tie, base + timedelta(hours=2)])
    b = _dead_runs(sid_b, url_b, [base + timedelta(minutes=30)])
    _dead_runs(sid_a, url_a, [base + timedelta(hours=3)], state="delivered")

    seen, cursor = [], None
    while True:
        page = client.get("/runs?state=dead&limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        assert len(page["runs"]) <= 2
        seen += page["runs"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    ids = [r["id"] for r in seen]
    assert ids == [a[3], a[2], a[1], b[0], a[0]], "newest first, ties by id, each once"
    assert all(r["state"] == "dead" and [x["status_code"] for x in r["attempts"]] == [503] for r in seen)

    def listed(query: str) -> list[str]:
        r = client.get("/runs?state=dead&" + query)
        assert r.status_code == 200, r.get_json()
        return [x["id"] for x in r.get_json()["runs"]]

    assert listed(f"schedule_id={sid_b}") == b
    assert listed(f"webhook_url={url_a}") == [a[3], a[2], a[1], a[0]]
    assert listed("since=2030-01-01T00:30:00Z&until=2030-01-01T02:00:00Z") == [a[2], a[1], b[0]]
    for query, field in (
        ("cursor=xyz", "cursor"),
        ("state=sleeping", "state"),
        ("since=yesterday", "since"),
        ("since=2030-01-01T00:00:00", "since"),
        ("since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z", "until"),
        ("limit=501", "limit"),
    ):
        r = client.get("/runs?" + query)
        assert r.status_code == 400 and r.get_json()["field"] == field, (query, r.get_json())


def test_bulk_replay_is_bounded_and_leaves_cancelled_schedules_dead(client: FlaskClient) -> None:
    url = "http://127.0.0.1:9/bulk"
    live, gone = _schedule(client, url), _schedule(client, url)
    base = datetime(2030, 1, 1, tzinfo=UTC)
    mine = _dead_runs(live, url, [base + timedelta(minutes=i) for i in range(5)])
    _dead_runs(gone, url, [base + timedelta(hours=1, minutes=i) for i in range(2)])
    client.delete(f"/schedules/{gone}")

    first = client.post("/runs/replay", json={"webhook_url": url, "limit": 3}).get_json()
    assert first == {"replayed": 3, "not_replayable": 2, "more": True}
    second = client.post("/runs/replay", json={"webhook_url": url}).get_json()
    assert second == {"replayed": 2, "not_replayable": 2, "more": False}
    states = {r.id: (r.state, r.trigger) for r in Run.objects(id__in=mine)}
    assert set(states.values()) == {("pending", "replay")}
    assert client.post("/runs/replay", json={"schedule_id": live}).get_json()["replayed"] == 0
    for body, field in (({"limit": 1001}, "limit"), ({"state": "delivered"}, "state"), ({"until": 3}, "until")):
        r = client.post("/runs/replay", json=body)
        assert r.status_code == 400 and r.get_json()["field"] == field


def test_the_failure_callback_gets_a_signed_notice_once(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    callback = receiver.url("/failures")
    secret = client.post("/endpoints", json={"webhook_url": callback}).get_json()["signing_secret"]
    receiver.secrets["/failures"] = secret
    assert client.post("/endpoints/verify", json={"webhook_url": callback}).status_code == 200
    receiver.script["/dies"] = [404]
    sid, rid = _run(client, receiver.url("/dies"), failure_callback_url=callback)
    assert deliver_run(rid, rt, no_sleep).state == "dead"
    assert deadletters.notify_dead(rid, rt) == "delivered"
    assert deadletters.notify_dead(rid, rt) == "skipped: already notified"
    (notice,) = receiver.got("/failures")
    assert notice.json() == {
        "type": "run.dead",
        "run_id": rid,
        "schedule_id": sid,
        "reason": "HTTP 404",
        "attempts": 1,
    }
    verify(secret, notice.headers, notice.body)


def test_an_unverified_failure_callback_gets_an_unsigned_notice(
    client: FlaskClient, receiver: Receiver, rt: Runtime
) -> None:
    receiver.script["/dies2"] = [400]
    _sid, rid = _run(client, receiver.url("/dies2"), failure_callback_url=receiver.url("/plain"))
    assert deliver_run(rid, rt, no_sleep).state == "dead"
    assert deadletters.notify_dead(rid, rt) == "delivered"
    (notice,) = receiver.got("/plain")
    assert "webhook-signature" not in notice.headers and json.loads(notice.body)["type"] == "run.dead"
    assert deadletters.notify_dead(lifecycle.trigger(_sid)["_id"], rt) == "skipped: the run is not dead"


def test_a_full_endpoint_holds_the_run_without_an_attempt(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    url = receiver.url("/busy")
    _sid, rid = _run(client, url)
    slots = [rt.breaker.admit(url) for _ in range(2)]
    verdict = deliver_run(rid, rt, no_sleep)
    assert verdict.state == "pending" and "concurrency limit" in verdict.reason
    run = storage.get_run(rid)
    assert run is not None and run.attempt_count == 0 and _numbers(rid) == []
    wait = (run.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 0.5 < wait < 1.5, "parked briefly"
    slots[0].release()
    assert deliver_run(rid, rt, no_sleep).state == "delivered" and _numbers(rid) == [1]


def test_the_circuit_stops_attempts_and_a_probe_closes_it(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    url = receiver.url("/sick")
    receiver.script["/sick"] = [503] * 3
    _sid, first = _run(client, url, max_attempts=5)
    verdict = deliver_run(first, rt, no_sleep)
    assert verdict.state == "retrying", "the second failure opened the circuit: no more inline attempts"
    assert _numbers(first) == [1, 2]

    second = lifecycle.trigger(_sid, datetime.now(UTC) + timedelta(milliseconds=5))["_id"]
    held = deliver_run(second, rt, no_sleep)
    assert held.state == "pending" and "circuit open" in held.reason and _numbers(second) == []

    time.sleep(0.35)
    assert deliver_run(second, rt, no_sleep).state == "retrying", "the probe failed (503): open again"
    assert rt.breaker.circuit(url).reason == "probe failed: HTTP 503"
    time.sleep(0.65)
    assert deliver_run(second, rt, no_sleep).state == "delivered", "the probe succeeded"
    assert rt.breaker.circuit(url).state == "closed"
    assert deliver_run(first, rt, no_sleep).state == "delivered"


def test_a_run_held_past_the_max_age_is_dead_lettered(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    url = receiver.url("/never")
    _sid, rid = _run(client, url)
    storage.update_run(rid, {"scheduled_for": datetime.now(UTC) - timedelta(days=2)})
    for _ in range(2):
        rt.breaker.record(url, REFUSED)
    verdict = deliver_run(rid, rt, no_sleep)
    assert verdict.state == "dead" and verdict.reason.startswith("held past the retry max age")
    assert _numbers(rid) == []


def test_a_run_sealed_with_a_key_this_process_lacks_ends_dead_saying_why(
    client: FlaskClient, receiver: Receiver, rt: Runtime
) -> None:
    import os

    from letitgo.crypto import Cipher

    _sid, rid = _run(client, receiver.url("/lost-key"))
    foreign = Cipher("old", os.urandom(32)).seal(b'{"b": "{}", "h": {}}', f"schedule:{_sid}")
    Run._get_collection().update_one({"_id": rid}, {"$set": {"sealed": foreign}})
    verdict = deliver_run(rid, rt, no_sleep)
    assert verdict.state == "dead" and "'old'" in verdict.reason
    run = Run.objects.get(pk=rid)
    assert run.state == "dead" and "configure the key" in run.reason and run.next_attempt_at is None
    assert _numbers(rid) == [] and receiver.got("/lost-key") == []


def test_a_delivery_never_writes_the_schedule_document(client: FlaskClient, receiver: Receiver, rt: Runtime) -> None:
    # FerretDB applies an update as read-modify-write of the whole document: a delivery writing to the
    # schedule could put back a state that a concurrent pause or cancel had just changed.
    from letitgo.models import Schedule

    sid, rid = _run(client, receiver.url("/untouched"))
    before = Schedule._get_collection().find_one({"_id": Schedule.objects.get(pk=sid).pk})
    assert deliver_run(rid, rt, no_sleep).state == "delivered"
    after = Schedule._get_collection().find_one({"_id": before["_id"]})
    assert after == before
    assert client.get(f"/schedules/{sid}").get_json()["last_outcome"] == "delivered"
