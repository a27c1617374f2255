"""Every MongoDB query shape LetItGo uses. Batch operations go through the raw collections.

The claim protocol: pick due ids, mark them with a claim token and lease in one conditional update_many,
read back what this token won. A poller that dies leaves a lease that expires, and the work is claimed
again. Mutual exclusion between pollers comes from the poll lock in Redis (see letitgo.producer): FerretDB
1.x does not apply a conditional update atomically (measured: concurrent update_one calls with the same
filter both report a modification), so no claim here relies on it alone. Inserts with a unique key are
atomic on both servers, which is why run ids are deterministic.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import mongoengine as me
from bson import ObjectId
from pymongo import UpdateMany, UpdateOne, uri_parser
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, PyMongoError

from letitgo import ids
from letitgo.errors import NotFoundError, UnavailableError, ValidationError
from letitgo.models import EPOCH, Attempt, Endpoint, Run, Schedule, utcnow

DUPLICATE_KEY = 11000
# FerretDB 1.x (SQLite backend) keeps the cursor of every statement of one update command open until the
# whole command ends, and its connection pool holds 100 per database: an update command of 100 statements or
# more never answers, and the connections it holds starve every other request on that database. So bulk
# updates are sent as several small commands.
BULK_CHUNK = 20


DEFAULT_DATABASE = "letitgo"


def database_name(uri: str) -> str:
    """The database named in the URI, or ``letitgo`` (the Go project's URIs name none)."""
    return uri_parser.parse_uri(uri).get("database") or DEFAULT_DATABASE


_connect_lock = threading.Lock()
_connected: dict[str, tuple[str, int]] = {}  # alias -> (uri, pid) it is connected to


def connect(uri: str, alias: str = "default") -> None:
    """Connect mongoengine (idempotent per process, thread-safe) and make sure indexes exist.

    Threads of one process (gunicorn gthread, Celery's thread pools) can each build a runtime at the same
    moment; reconnecting then would close the client another thread is using (``Cannot use MongoClient
    after close``, ``KeyError: 'default'``). So a process connects once per URI; a forked child again.
    """
    with _connect_lock:
        if _connected.get(alias) == (uri, os.getpid()):
            return
        me.disconnect(alias)
        _connected.pop(alias, None)
        me.connect(
            db=database_name(uri),
            host=uri,
            alias=alias,
            tz_aware=True,
            serverSelectionTimeoutMS=5000,
            uuidRepresentation="standard",
        )
        for doc in (Schedule, Run, Attempt, Endpoint):
            doc.ensure_indexes()
        _connected[alias] = (uri, os.getpid())


def ping() -> None:
    """Raise UnavailableError when MongoDB does not answer."""
    try:
        Schedule._get_db().command("ping")
    except PyMongoError as exc:
        raise UnavailableError(f"mongodb: {type(exc).__name__}") from exc


def _schedules() -> Collection:
    return Schedule._get_collection()


def _runs() -> Collection:
    return Run._get_collection()


# ---- schedules -------------------------------------------------------------------------------


def save_schedule(schedule: Schedule) -> Schedule:
    schedule.updated_at = utcnow()
    schedule.save()
    return schedule


def get_schedule(schedule_id: str) -> Schedule:
    try:
        doc = Schedule.objects(id=schedule_id).first()
    except me.ValidationError:
        doc = None
    if doc is None:
        raise NotFoundError(f"schedule {schedule_id} not found")
    return doc


def _cursor(before_id: str) -> ObjectId:
    """The id a page cursor stands for; 400 naming ``cursor`` for anything this API did not hand out."""
    if not ObjectId.is_valid(before_id):
        raise ValidationError("cursor", "not a cursor returned by this API")
    return ObjectId(before_id)


def list_schedules(state: str | None, url: str | None, limit: int, before_id: str | None) -> list[Schedule]:
    """Schedules newest first (ids grow with creation time), optionally after a cursor id."""
    query: dict[str, Any] = {}
    if state:
        query["state"] = state
    if url:
        query["webhook_url"] = url
    if before_id:
        query["id__lt"] = _cursor(before_id)
    return list(Schedule.objects(**query).order_by("-id").limit(limit))


def claim_due_schedules(now: datetime, horizon: datetime, batch: int, lease: float) -> tuple[str, list[dict]]:
    """Claim up to ``batch`` active schedules due by ``horizon``; return the token and the raw documents."""
    query = {"state": "active", "next_run_at": {"$lte": horizon}, "lease_until": {"$lte": now}}
    return _claim(_schedules(), query, "next_run_at", now, batch, lease)


def _claim(
    coll: Collection, query: dict, order: str, now: datetime, batch: int, lease: float
) -> tuple[str, list[dict]]:
    candidates = [d["_id"] for d in coll.find(query, {"_id": 1}).sort(order, 1).limit(batch)]
    token = ids.claim_token()
    if not candidates:
        return token, []
    lease_until = now + timedelta(seconds=lease)
    coll.update_many(
        {**query, "_id": {"$in": candidates}}, {"$set": {"claim_token": token, "lease_until": lease_until}}
    )
    return token, list(coll.find({"claim_token": token}))


@dataclass
class Advance:
    """How one claimed schedule moves on after its occurrences were published."""

    schedule_id: Any
    next_run_at: datetime | None
    fired: int
    last_run_at: datetime | None
    completed: bool


def advance_schedules(token: str, advances: Iterable[Advance]) -> None:
    """Apply every advance; a schedule cancelled or paused meanwhile keeps its state.

    Advances that set the same values (every one-time schedule completing, every `* * * * *` schedule
    moving to the same next minute) share one update_many: MongoDB-wire servers with a per-statement
    cost (FerretDB on SQLite: ~5-10 ms a write) pay per group, not per schedule.
    """
    now = utcnow()
    groups: dict[tuple[datetime | None, datetime | None, bool, int], list[Any]] = {}
    for adv in advances:
        key = (adv.next_run_at, adv.last_run_at, adv.completed, adv.fired)
        groups.setdefault(key, []).append(adv.schedule_id)
    ops = [_advance_op(token, ids_, *key, now) for key, ids_ in groups.items()]
    _bulk_update(_schedules(), ops)


def _advance_op(
    token: str,
    ids_: list[Any],
    next_run_at: datetime | None,
    last_run_at: datetime | None,
    completed: bool,
    fired: int,
    now: datetime,
) -> UpdateMany:
    fields: dict[str, Any] = {"next_run_at": next_run_at, "lease_until": EPOCH, "claim_token": None, "updated_at": now}
    if last_run_at is not None:
        fields["last_run_at"] = last_run_at
    if completed:
        fields["state"] = "completed"
    query = {"_id": {"$in": ids_}, "claim_token": token, "state": "active"}
    return UpdateMany(query, {"$set": fields, "$inc": {"run_count": fired}})


def _bulk_update(coll: Collection, ops: Sequence[UpdateOne | UpdateMany]) -> int:
    """Apply update operations in commands of at most BULK_CHUNK statements; return how many modified."""
    modified = 0
    for start in range(0, len(ops), BULK_CHUNK):
        modified += coll.bulk_write(ops[start : start + BULK_CHUNK], ordered=False).modified_count
    return modified


def release_schedules(token: str) -> None:
    """Give claimed schedules back untouched (their publish failed), so the next poll retries them."""
    _schedules().update_many({"claim_token": token}, {"$set": {"claim_token": None, "lease_until": EPOCH}})


def set_schedule_state(schedule_id: str, state: str, allowed_from: tuple[str, ...], extra: dict | None = None) -> bool:
    """Move a schedule to ``state`` only from one of ``allowed_from``; False when it was elsewhere."""
    oid = get_schedule(schedule_id).pk
    fields = {"state": state, "updated_at": utcnow(), **(extra or {})}
    result = _schedules().update_one({"_id": oid, "state": {"$in": list(allowed_from)}}, {"$set": fields})
    return result.modified_count == 1


def last_outcome(schedule_id: str) -> str | None:
    """How the schedule's most recently finished run ended ("delivered" or "dead: reason").

    Read from the runs rather than kept on the schedule: a delivery writing to the schedule document races
    the API's pause and cancel, and FerretDB's whole-document updates let such a write undo them.
    """
    run = Run.objects(schedule_id=schedule_id, state__in=["delivered", "dead"]).order_by("-updated_at").first()
    if run is None:
        return None
    return "delivered" if run.state == "delivered" else f"dead: {run.reason or run.last_error or 'failed'}"


def schedule_state(schedule_id: str) -> str | None:
    doc = _schedules().find_one({"_id": ObjectId(schedule_id)}, {"state": 1})
    return doc["state"] if doc else None


# ---- runs ------------------------------------------------------------------------------------


def insert_runs(runs: list[dict]) -> None:
    """Insert run documents; ones that already exist (same deterministic id) are left as they are."""
    if not runs:
        return
    try:
        _runs().insert_many(runs, ordered=False)
    except BulkWriteError as exc:
        others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
        if others:
            raise


def claim_due_runs(now: datetime, horizon: datetime, batch: int, lease: float) -> tuple[str, list[dict]]:
    """Claim runs waiting for a (re)publish: parked retries and pending runs whose watchdog expired."""
    query = {
        "state": {"$in": ["pending", "retrying"]},
        "next_attempt_at": {"$lte": horizon},
        "lease_until": {"$lte": now},
    }
    return _claim(_runs(), query, "next_attempt_at", now, batch, lease)


def requeued_runs(token: str, watchdog: datetime) -> None:
    """After republishing, arm each run's watchdog and drop the claim."""
    _runs().update_many(
        {"claim_token": token}, {"$set": {"claim_token": None, "lease_until": EPOCH, "next_attempt_at": watchdog}}
    )


def release_runs(token: str) -> None:
    _runs().update_many({"claim_token": token}, {"$set": {"claim_token": None, "lease_until": EPOCH}})


def runs_due_again(due: dict[str, datetime]) -> None:
    """Put back the deadlines of open runs whose republish failed, so the next poll claims them again."""
    ops = [
        UpdateOne({"_id": rid, "state": {"$in": ["pending", "retrying"]}}, {"$set": {"next_attempt_at": at}})
        for rid, at in due.items()
    ]
    _bulk_update(_runs(), ops)


def get_run(run_id: str) -> Run | None:
    return Run.objects(id=run_id).first()


def update_run(run_id: str, fields: dict, only_states: tuple[str, ...] | None = None, inc: dict | None = None) -> bool:
    """Set fields on a run (optionally only while it is in one of ``only_states``)."""
    query: dict[str, Any] = {"_id": run_id}
    if only_states:
        query["state"] = {"$in": list(only_states)}
    update: dict[str, Any] = {"$set": {**fields, "updated_at": utcnow()}}
    if inc:
        update["$inc"] = inc
    return _runs().update_one(query, update).modified_count == 1


def cancel_open_runs(schedule_id: str) -> int:
    result = _runs().update_many(
        {"schedule_id": schedule_id, "state": {"$in": ["pending", "retrying"]}},
        {"$set": {"state": "cancelled", "reason": "schedule cancelled", "updated_at": utcnow()}},
    )
    return result.modified_count


def list_runs(
    schedule_id: str | None = None, state: str | None = None, limit: int = 50, before: datetime | None = None
) -> list[Run]:
    query: dict[str, Any] = {}
    if schedule_id:
        query["schedule_id"] = schedule_id
    if state:
        query["state"] = state
    if before:
        query["scheduled_for__lt"] = before
    return list(Run.objects(**query).order_by("-scheduled_for", "-id").limit(limit))


# ---- attempts --------------------------------------------------------------------------------


def add_attempt(attempt: Attempt) -> None:
    attempt.save()


def attempts_for(run_ids: list[str]) -> dict[str, list[Attempt]]:
    """All attempts of the given runs in one query, grouped by run id and ordered by number."""
    grouped: dict[str, list[Attempt]] = {rid: [] for rid in run_ids}
    for att in Attempt.objects(run_id__in=run_ids).order_by("number"):
        grouped.setdefault(att.run_id, []).append(att)
    return grouped


def delete_attempts_before(cutoff: datetime) -> int:
    return Attempt._get_collection().delete_many({"started_at": {"$lt": cutoff}}).deleted_count


# ---- endpoints -------------------------------------------------------------------------------


def get_endpoint(url: str) -> Endpoint | None:
    return Endpoint.objects(url=url).first()


def save_endpoint(url: str, verified_by: str, sealed_secrets: str | None) -> Endpoint:
    """Upsert a verified endpoint."""
    fields: dict[str, Any] = {
        "verified_at": utcnow(),
        "verified_by": verified_by,
        "state": "active",
        "state_reason": None,
    }
    if sealed_secrets is not None:
        fields["sealed_secrets"] = sealed_secrets
    Endpoint._get_collection().update_one(
        {"url": url}, {"$set": fields, "$setOnInsert": {"created_at": utcnow()}}, upsert=True
    )
    endpoint = get_endpoint(url)
    assert endpoint is not None
    return endpoint


def disable_endpoint(url: str, reason: str) -> None:
    Endpoint._get_collection().update_one(
        {"url": url}, {"$set": {"state": "disabled", "state_reason": reason}}, upsert=True
    )


def register_endpoint(url: str, sealed_secrets: str) -> Endpoint:
    """Create an endpoint with its first secrets (not verified yet), or give secrets to one that has none."""
    Endpoint._get_collection().update_one(
        {"url": url},
        {"$set": {"sealed_secrets": sealed_secrets}, "$setOnInsert": {"created_at": utcnow(), "state": "active"}},
        upsert=True,
    )
    endpoint = get_endpoint(url)
    assert endpoint is not None
    return endpoint


def set_endpoint_secrets(url: str, sealed_secrets: str) -> None:
    Endpoint._get_collection().update_one({"url": url}, {"$set": {"sealed_secrets": sealed_secrets}})


def enable_endpoint(url: str) -> None:
    Endpoint._get_collection().update_one({"url": url}, {"$set": {"state": "active", "state_reason": None}})


def get_endpoint_by_id(endpoint_id: str) -> Endpoint:
    doc = Endpoint.objects(id=endpoint_id).first() if ObjectId.is_valid(endpoint_id) else None
    if doc is None:
        raise NotFoundError(f"endpoint {endpoint_id} not found")
    return doc


def list_endpoints(url: str | None, limit: int, before_id: str | None) -> list[Endpoint]:
    """Endpoints newest first, optionally only ``url``, after a cursor id."""
    query: dict[str, Any] = {}
    if url:
        query["url"] = url
    if before_id:
        query["id__lt"] = _cursor(before_id)
    return list(Endpoint.objects(**query).order_by("-id").limit(limit))


# ---- dead letters and replays ----------------------------------------------------------------


@dataclass
class RunFilter:
    """Which runs a dead-letter listing or a bulk replay covers; ``since``/``until`` bound scheduled_for."""

    state: str | None = None
    schedule_id: str | None = None
    webhook_url: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    schedule_ids: list[str] | None = None  # only runs of these schedules

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.state:
            query["state"] = self.state
        if self.schedule_ids is not None:
            query["schedule_id"] = {"$in": [s for s in self.schedule_ids if s == (self.schedule_id or s)]}
        elif self.schedule_id:
            query["schedule_id"] = self.schedule_id
        if self.webhook_url:
            query["webhook_url"] = self.webhook_url
        window = {k: v for k, v in (("$gte", self.since), ("$lt", self.until)) if v is not None}
        if window:
            query["scheduled_for"] = window
        return query


def find_runs(flt: RunFilter, limit: int, after: tuple[datetime, str] | None = None) -> list[Run]:
    """Runs newest first (scheduled_for, then id), strictly after the ``after`` position when given."""
    query = flt.query()
    if after is not None:
        at, rid = after
        query["$or"] = [{"scheduled_for": {"$lt": at}}, {"scheduled_for": at, "_id": {"$lt": rid}}]
    return list(Run.objects(__raw__=query).order_by("-scheduled_for", "-id").limit(limit))


def run_schedule_ids(flt: RunFilter) -> list[str]:
    """The distinct schedule ids of the runs a filter covers."""
    return [str(s) for s in _runs().distinct("schedule_id", flt.query())]


def live_schedule_ids(schedule_ids: list[str]) -> set[str]:
    """Those of ``schedule_ids`` that exist and are not cancelled."""
    oids = [ObjectId(s) for s in schedule_ids if ObjectId.is_valid(s)]
    found = _schedules().find({"_id": {"$in": oids}, "state": {"$ne": "cancelled"}}, {"_id": 1})
    return {str(d["_id"]) for d in found}


def replay_runs(runs: Iterable[Run], from_states: tuple[str, ...], now: datetime) -> int:
    """Set runs back to pending, due now, with a fresh retry budget; return how many moved."""
    ops = [
        UpdateOne(
            {"_id": run.id, "state": {"$in": list(from_states)}},
            {
                "$set": {
                    "state": "pending",
                    "trigger": "replay",
                    "reason": None,
                    "next_attempt_at": now,
                    "lease_until": EPOCH,
                    "claim_token": None,
                    "delivered_at": None,
                    "replayed_at": now,
                    "attempts_before_replay": run.attempt_count,
                    "updated_at": now,
                },
                "$inc": {"replay_count": 1},
            },
        )
        for run in runs
    ]
    return _bulk_update(_runs(), ops)


def count_runs(flt: RunFilter) -> int:
    return int(_runs().count_documents(flt.query()))
