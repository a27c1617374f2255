"""The poll's republish of open runs, against the real MongoDB-wire server: its writes come before the publish."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from letitgo import producer, storage
from letitgo.models import Run, utcnow
from letitgo.settings import Settings
from letitgo.stream import Occurrence

SETTINGS = SimpleNamespace(claim_batch=10, lease_seconds=30, watchdog_seconds=60)


class Publisher:
    """Records what each run looked like in the database when its message went out."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.seen: list[dict] = []

    def publish(self, occurrences: list[Occurrence]) -> list[Occurrence]:
        for occ in occurrences:
            self.seen.append(Run._get_collection().find_one({"_id": occ.run_id}))
        return list(occurrences) if self.fail else []


def _due_run(run_id: str, due_at) -> None:  # type: ignore[no-untyped-def]
    storage.insert_runs(
        [
            {
                "_id": run_id,
                "schedule_id": "s1",
                "scheduled_for": due_at,
                "webhook_url": "http://127.0.0.1:9/",
                "method": "POST",
                "sealed": "v1.k.x",
                "state": "pending",
                "next_attempt_at": due_at,
                "lease_until": storage.EPOCH,
            }
        ]
    )


def test_a_republished_run_is_rearmed_and_unclaimed_before_its_message_exists(clean_db: Settings) -> None:
    now = utcnow()
    _due_run("r-stalled", now - timedelta(seconds=5))
    publisher = Publisher(fail=False)
    report = producer.PollReport()
    producer._poll_runs(publisher, SETTINGS, now, now, report)  # type: ignore[arg-type]
    assert report.republished == 1 and report.failed == 0
    (at_publish,) = publisher.seen
    # No write of the poll can overlap the delivery of this message (FerretDB would let it undo the delivery).
    assert at_publish["claim_token"] is None
    assert at_publish["next_attempt_at"] >= now + timedelta(seconds=59)
    assert Run.objects.get(pk="r-stalled").next_attempt_at == at_publish["next_attempt_at"]


def test_a_run_whose_republish_failed_is_due_again_at_the_next_poll(clean_db: Settings) -> None:
    now = utcnow()
    due = (now - timedelta(seconds=5)).replace(microsecond=0)
    _due_run("r-unlucky", due)
    report = producer.PollReport()
    producer._poll_runs(Publisher(fail=True), SETTINGS, now, now, report)  # type: ignore[arg-type]
    assert report.republished == 0 and report.failed == 1
    assert Run.objects.get(pk="r-unlucky").next_attempt_at == due
    _token, again = storage.claim_due_runs(utcnow(), utcnow(), 10, 30)
    assert [d["_id"] for d in again] == ["r-unlucky"]


def test_a_run_finished_between_claim_and_read_back_is_not_published(
    clean_db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    _due_run("r-open", now - timedelta(seconds=5))
    _due_run("r-done", now - timedelta(seconds=5))
    claim = storage.claim_due_runs

    def claim_then_runner_finishes(*args, **kwargs):  # type: ignore[no-untyped-def]
        token, docs = claim(*args, **kwargs)
        storage.update_run("r-done", {"state": "delivered", "next_attempt_at": None})
        return token, [Run._get_collection().find_one({"_id": d["_id"]}) for d in docs]

    monkeypatch.setattr(storage, "claim_due_runs", claim_then_runner_finishes)
    publisher = Publisher(fail=False)
    report = producer.PollReport()
    producer._poll_runs(publisher, SETTINGS, now, now, report)  # type: ignore[arg-type]
    assert [d["_id"] for d in publisher.seen] == ["r-open"] and report.republished == 1
