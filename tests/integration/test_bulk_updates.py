"""Bulk updates of many documents answer on the real server (FerretDB 1.x hangs on 100+ statements per command)."""

from __future__ import annotations

import threading
from datetime import timedelta

from letitgo import ids, storage
from letitgo.models import EPOCH, Schedule, utcnow
from letitgo.settings import Settings

N = 150  # distinct advances, so no grouping can fold them under FerretDB's limit of 100 statements


def _in_thread(fn, timeout: float) -> BaseException | None:  # type: ignore[no-untyped-def]
    """Run ``fn``; fail instead of hanging the suite when the server never answers."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            fn()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    assert outcome, f"no answer in {timeout}s: the server hangs on a large bulk update"
    return outcome[0]


def test_advancing_150_claimed_schedules_to_150_different_times_answers(clean_db: Settings) -> None:
    now = utcnow()
    docs = [
        {
            "_id": Schedule.id.to_mongo(ids.new_schedule_id()),
            "webhook_url": "http://127.0.0.1:9/x",
            "method": "POST",
            "sealed": "v1.k.x",
            "kind": "cron",
            "state": "active",
            "next_run_at": now,
            "lease_until": EPOCH,
            "run_count": 0,
        }
        for _ in range(N)
    ]
    Schedule._get_collection().insert_many(docs)
    token, claimed = storage.claim_due_schedules(now, now, 500, 30)
    assert len(claimed) == N
    advances = [storage.Advance(d["_id"], now + timedelta(seconds=i + 1), 1, now, False) for i, d in enumerate(claimed)]
    assert _in_thread(lambda: storage.advance_schedules(token, advances), timeout=60) is None
    moved = list(Schedule._get_collection().find({"_id": {"$in": [d["_id"] for d in docs]}}))
    assert all(d["claim_token"] is None and d["run_count"] == 1 for d in moved)
    assert len({d["next_run_at"] for d in moved}) == N
