"""The claim protocol and run bookkeeping against the real MongoDB-wire server (FerretDB in CI)."""

from __future__ import annotations

import time
from datetime import timedelta

from letitgo import ids, storage
from letitgo.models import Run, Schedule, utcnow
from letitgo.settings import Settings


def _schedule(next_run_at, state="active") -> Schedule:  # type: ignore[no-untyped-def]
    sid = ids.new_schedule_id()
    return Schedule(
        id=sid,
        webhook_url="http://127.0.0.1:9/x",
        method="POST",
        sealed="v1.k.x",
        kind="once",
        next_run_at=next_run_at,
        state=state,
    ).save()


def test_not_due_paused_and_leased_schedules_are_not_claimed(clean_db: Settings) -> None:
    now = utcnow()
    due = _schedule(now)
    _schedule(now + timedelta(minutes=5))
    _schedule(now, state="paused")
    token, docs = storage.claim_due_schedules(now, now, 100, 30)
    assert [d["_id"] for d in docs] == [due.pk]
    _token2, again = storage.claim_due_schedules(now, now, 100, 30)
    assert again == []
    assert token


def test_an_expired_lease_is_claimed_again(clean_db: Settings) -> None:
    doc = _schedule(utcnow())
    _t, first = storage.claim_due_schedules(utcnow(), utcnow(), 10, 0.3)
    assert len(first) == 1
    time.sleep(0.5)
    _t, second = storage.claim_due_schedules(utcnow(), utcnow(), 10, 30)
    assert [d["_id"] for d in second] == [doc.pk]


def test_advance_moves_on_but_never_resurrects_a_cancelled_schedule(clean_db: Settings) -> None:
    now = utcnow()
    keep, cancel = _schedule(now), _schedule(now)
    token, docs = storage.claim_due_schedules(now, now, 10, 30)
    assert len(docs) == 2
    Schedule._get_collection().update_one({"_id": cancel.pk}, {"$set": {"state": "cancelled"}})
    later = now + timedelta(hours=1)
    storage.advance_schedules(
        token, [storage.Advance(keep.pk, later, 1, now, False), storage.Advance(cancel.pk, later, 1, now, True)]
    )
    kept, cancelled = Schedule.objects.get(pk=keep.pk), Schedule.objects.get(pk=cancel.pk)
    assert kept.next_run_at == later.replace(microsecond=later.microsecond // 1000 * 1000)
    assert kept.run_count == 1 and kept.claim_token is None
    assert cancelled.state == "cancelled" and cancelled.run_count == 0


def test_inserting_the_same_run_twice_keeps_one(clean_db: Settings) -> None:
    now = utcnow()
    run = {
        "_id": ids.run_id("abc", now),
        "schedule_id": "abc",
        "scheduled_for": now,
        "state": "pending",
        "webhook_url": "http://127.0.0.1:9/",
        "method": "POST",
        "sealed": "v1.k.x",
    }
    storage.insert_runs([run])
    storage.insert_runs([run, {**run, "_id": ids.run_id("abc", now + timedelta(seconds=1))}])
    assert Run.objects(schedule_id="abc").count() == 2


def test_due_runs_are_claimed_once_and_their_watchdog_rearmed(clean_db: Settings) -> None:
    now = utcnow()
    base = {
        "schedule_id": "s1",
        "scheduled_for": now,
        "webhook_url": "http://127.0.0.1:9/",
        "method": "POST",
        "sealed": "v1.k.x",
        "lease_until": storage.EPOCH,
    }
    storage.insert_runs(
        [
            {**base, "_id": "r-due", "state": "retrying", "next_attempt_at": now - timedelta(seconds=1)},
            {**base, "_id": "r-later", "state": "retrying", "next_attempt_at": now + timedelta(minutes=5)},
            {**base, "_id": "r-done", "state": "delivered", "next_attempt_at": now - timedelta(seconds=1)},
        ]
    )
    token, docs = storage.claim_due_runs(now, now, 10, 30)
    assert [d["_id"] for d in docs] == ["r-due"]
    storage.requeued_runs(token, now + timedelta(seconds=60))
    _t, again = storage.claim_due_runs(now, now, 10, 30)
    assert again == []
    assert Run.objects.get(pk="r-due").next_attempt_at > now + timedelta(seconds=59)
