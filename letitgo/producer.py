"""The producer poll: claim due schedules and parked runs, publish their occurrences, advance schedules.

Each poll costs a fixed number of round trips per batch (claim: 3, runs insert: 1, publish: 1 flush,
advance: 1 bulk write), whatever the batch size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from letitgo import ids, storage
from letitgo.cache import IdempotencyCache
from letitgo.models import utcnow
from letitgo.stream import Occurrence, Publisher
from letitgo.timespec import Recurrence, next_after

log = logging.getLogger(__name__)

MAX_OCCURRENCES_PER_POLL = 500  # per schedule; a long catch-up continues on the next poll
WATCHDOG = timedelta(seconds=60)
POLL_LOCK = "producer-poll"  # a published run nobody started by then is published again
OPEN_RUN_STATES = ("pending", "retrying")


@dataclass
class Plan:
    """What one claimed schedule does in this poll."""

    fire: list[datetime] = field(default_factory=list)
    missed: list[datetime] = field(default_factory=list)
    next_run_at: datetime | None = None
    completed: bool = False


@dataclass
class PollReport:
    claimed: int = 0
    published: int = 0
    missed: int = 0
    republished: int = 0
    failed: int = 0
    skipped: bool = False


def recurrence_of(doc: dict) -> Recurrence:
    """Rebuild the time specification stored on a schedule document."""
    return Recurrence(
        kind=doc["kind"],
        timezone=doc.get("timezone") or "UTC",
        first_run=doc["next_run_at"],
        cron=doc.get("cron"),
        interval_seconds=doc.get("interval_seconds"),
        anchor=doc.get("anchor"),
        end_at=doc.get("end_at"),
    )


def plan(doc: dict, now: datetime, horizon: datetime) -> Plan:
    """Decide which occurrences fire, which are missed (misfire policy), and where the schedule goes next."""
    rec = recurrence_of(doc)
    due, following = _due_occurrences(rec, doc["next_run_at"], horizon)
    fire, missed = _apply_misfire(doc, due, now, more_pending=following is not None and following <= horizon)
    fire, completed = _apply_max_runs(doc, fire)
    return Plan(
        fire=fire, missed=missed, next_run_at=None if completed else following, completed=completed or following is None
    )


def _due_occurrences(
    rec: Recurrence, first: datetime | None, horizon: datetime
) -> tuple[list[datetime], datetime | None]:
    due: list[datetime] = []
    occ = first
    while occ is not None and occ <= horizon and len(due) < MAX_OCCURRENCES_PER_POLL:
        due.append(occ)
        occ = next_after(rec, occ)
    return due, occ


def _apply_misfire(
    doc: dict, due: list[datetime], now: datetime, more_pending: bool
) -> tuple[list[datetime], list[datetime]]:
    grace = timedelta(seconds=doc.get("misfire_grace") or 0)
    late = [o for o in due if o < now - grace]
    on_time = due[len(late) :]
    policy = doc.get("misfire_policy") or "fire_once"
    if not late or policy == "fire_all":
        return due, []
    if policy == "fire_once" and not more_pending:
        return [late[-1], *on_time], late[:-1]
    return on_time, late


def _apply_max_runs(doc: dict, fire: list[datetime]) -> tuple[list[datetime], bool]:
    limit = doc.get("max_runs")
    if not limit:
        return fire, False
    left = max(0, limit - (doc.get("run_count") or 0))
    return fire[:left], len(fire) >= left


def run_documents(doc: dict, plan_: Plan, now: datetime, watchdog: timedelta) -> list[dict]:
    """Run documents for a plan: pending ones (republished if nobody starts them in time) and missed ones."""
    sid = str(doc["_id"])
    base = {
        "schedule_id": sid,
        "trigger": "schedule",
        "webhook_url": doc["webhook_url"],
        "method": doc["method"],
        "sealed": doc["sealed"],
        "max_attempts": doc.get("max_attempts"),
        "attempt_count": 0,
        "lease_until": storage.EPOCH,
        "created_at": now,
        "updated_at": now,
    }
    docs = [
        {
            **base,
            "_id": ids.run_id(sid, t),
            "scheduled_for": t,
            "state": "pending",
            "next_attempt_at": max(t, now) + watchdog,
        }
        for t in plan_.fire
    ]
    docs += [
        {
            **base,
            "_id": ids.run_id(sid, t),
            "scheduled_for": t,
            "state": "missed",
            "reason": f"misfire policy {doc.get('misfire_policy') or 'fire_once'}",
        }
        for t in plan_.missed
    ]
    return docs


def _watchdog(settings: Any) -> timedelta:
    return timedelta(seconds=settings.watchdog_seconds)


def poll_once(publisher: Publisher, settings: Any, cache: IdempotencyCache, now: datetime | None = None) -> PollReport:
    """One producer poll, while holding the poll lock: schedules first, then parked or stalled runs.

    The lock lives in Redis because conditional updates are not atomic on every MongoDB-wire server
    (FerretDB 1.x applies the filter and the write separately); the claim leases still make a poller that
    died mid-poll hand its work back when they expire.
    """
    token = cache.acquire(POLL_LOCK, settings.lease_seconds)
    if token is None:
        return PollReport(skipped=True)
    try:
        fixed = now
        now = fixed or utcnow()
        lookahead = timedelta(seconds=settings.lookahead)
        report = PollReport()
        _poll_schedules(publisher, settings, now, now + lookahead, report)
        # A loaded database can make the schedules phase take longer than a lease: read the clock again,
        # or the runs' claims would expire at once and their watchdogs be armed in the past.
        now = fixed or utcnow()
        _poll_runs(publisher, settings, now, now + lookahead, report)
        return report
    finally:
        cache.release(POLL_LOCK, token)


def _poll_schedules(publisher: Publisher, settings: Any, now: datetime, horizon: datetime, report: PollReport) -> None:
    token, docs = storage.claim_due_schedules(now, horizon, settings.claim_batch, settings.lease_seconds)
    if not docs:
        return
    report.claimed += len(docs)
    plans = {doc["_id"]: plan(doc, now, horizon) for doc in docs}
    created = utcnow()  # the watchdog counts from when the runs exist, however long the claim took
    storage.insert_runs([r for d in docs for r in run_documents(d, plans[d["_id"]], created, _watchdog(settings))])
    occurrences = [
        Occurrence(ids.run_id(str(d["_id"]), t), str(d["_id"]), t) for d in docs for t in plans[d["_id"]].fire
    ]
    failed = {o.schedule_id for o in publisher.publish(occurrences)}
    report.published += len(occurrences) - len(failed)
    report.missed += sum(len(p.missed) for p in plans.values())
    report.failed += len(failed)
    advances = [
        storage.Advance(
            d["_id"],
            plans[d["_id"]].next_run_at,
            len(plans[d["_id"]].fire),
            plans[d["_id"]].fire[-1] if plans[d["_id"]].fire else None,
            plans[d["_id"]].completed,
        )
        for d in docs
        if str(d["_id"]) not in failed
    ]
    storage.advance_schedules(token, advances)
    if failed:
        log.warning("publish failed for %d schedules; released for the next poll", len(failed))
        storage.release_schedules(token)


def _poll_runs(publisher: Publisher, settings: Any, now: datetime, horizon: datetime, report: PollReport) -> None:
    token, docs = storage.claim_due_runs(now, horizon, settings.claim_batch, settings.lease_seconds)
    # The claim reads its documents back after marking them: a run its worker finished in between comes
    # back delivered (no next_attempt_at) and has nothing left to publish.
    docs = [d for d in docs if d.get("state") in OPEN_RUN_STATES and d.get("next_attempt_at") is not None]
    if not docs:
        return
    # Arm the watchdogs and drop the claim *before* publishing. FerretDB applies an update as a
    # read-modify-write of the whole document, so this write, overlapping the delivery of a message just
    # published, could put a run already delivered back to "pending" (and the watchdog would send it again).
    storage.requeued_runs(token, utcnow() + _watchdog(settings))
    occurrences = [Occurrence(d["_id"], d["schedule_id"], max(d["next_attempt_at"], now)) for d in docs]
    failed = publisher.publish(occurrences)
    if failed:
        # Nothing was published for these: make them due again at once, the next poll retries them.
        due = {d["_id"]: d["next_attempt_at"] for d in docs}
        storage.runs_due_again({o.run_id: due[o.run_id] for o in failed})
        report.failed += len(failed)
    report.republished += len(occurrences) - len(failed)
