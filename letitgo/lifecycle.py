"""A schedule's life after creation: list, edit, pause, resume, trigger now, preview.

States and transitions (anything else answers 409):

    active   --pause-->  paused      --resume-->  active
    active   --(last occurrence published, end_at or max_runs reached)-->  completed
    completed --PATCH with new time fields-->  active
    active | paused  --DELETE-->  cancelled   (terminal)

Pausing a paused schedule and resuming an active one change nothing and succeed. Occurrences that fall
inside a pause are not fired and not recorded as missed: the user asked for silence. Mutations hold the
producer's poll lock briefly so an edit never interleaves with a poll that has the schedule claimed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from letitgo import ids, payload, scheduling, storage
from letitgo.errors import ConflictError, UnavailableError
from letitgo.models import Schedule, utcnow
from letitgo.producer import POLL_LOCK
from letitgo.runtime import Runtime
from letitgo.scheduling import check_callback, check_headers, check_payload_size, check_target, llm_client
from letitgo.timespec import TimeInput, next_after, next_runs, resolve

MAIN_TIME_FIELDS = ("schedule_time", "cron_expression", "time_as_text", "interval", "delay")


@contextmanager
def poll_paused(rt: Runtime, wait: float = 5.0) -> Iterator[None]:
    """Hold the poll lock while changing a schedule; 503 when a poll keeps it longer than ``wait``."""
    deadline = time.monotonic() + wait
    token = rt.cache.acquire(POLL_LOCK, rt.settings.lease_seconds)
    while token is None:
        if time.monotonic() > deadline:
            raise UnavailableError("the producer poll holds the schedules; try again")
        time.sleep(0.05)
        token = rt.cache.acquire(POLL_LOCK, rt.settings.lease_seconds)
    try:
        yield
    finally:
        rt.cache.release(POLL_LOCK, token)


def cancel(schedule_id: str, rt: Runtime) -> Schedule:
    """Cancel under the poll lock, so no poll's advance can write the schedule back over it."""
    with poll_paused(rt):
        return scheduling.cancel(schedule_id)


def pause(schedule_id: str, rt: Runtime) -> Schedule:
    with poll_paused(rt):
        doc = storage.get_schedule(schedule_id)
        if doc.state == "paused":
            return doc
        _require(doc, ("active",), "paused")
        doc.state = "paused"
        return storage.save_schedule(doc)


def resume(schedule_id: str, rt: Runtime, now: datetime | None = None) -> Schedule:
    """Resume: recurrences continue from their next occurrence after now; a one-time schedule whose time
    passed during the pause follows its misfire policy."""
    now = now or utcnow()
    with poll_paused(rt):
        doc = storage.get_schedule(schedule_id)
        if doc.state == "active":
            return doc
        _require(doc, ("paused",), "resumed")
        if doc.kind != "once" and doc.next_run_at is not None and doc.next_run_at <= now:
            doc.next_run_at = next_after(scheduling.recurrence(doc), now)
        doc.state = "active" if doc.next_run_at is not None else "completed"
        return storage.save_schedule(doc)


def trigger(schedule_id: str, now: datetime | None = None) -> dict:
    """An extra run now, outside the recurrence; the poll publishes it within one interval."""
    now = now or utcnow()
    doc = storage.get_schedule(schedule_id)
    _require(doc, ("active", "paused", "completed"), "triggered")
    run = {
        "_id": ids.run_id(str(doc.pk), now, "manual"),
        "schedule_id": str(doc.pk),
        "scheduled_for": now,
        "trigger": "manual",
        "state": "pending",
        "webhook_url": doc.webhook_url,
        "method": doc.method,
        "sealed": doc.sealed,
        "max_attempts": doc.max_attempts,
        "attempt_count": 0,
        "next_attempt_at": now,
        "lease_until": storage.EPOCH,
        "created_at": now,
        "updated_at": now,
    }
    storage.insert_runs([run])
    return run


def update(schedule_id: str, changes: dict[str, Any], rt: Runtime, now: datetime | None = None) -> Schedule:
    """PATCH: request fields are resealed, time fields re-resolved (as if given now); runs already made
    keep the request they were made with."""
    now = now or utcnow()
    with poll_paused(rt):
        doc = storage.get_schedule(schedule_id)
        _require(doc, ("active", "paused", "completed"), "changed")
        _apply_request_changes(doc, changes, rt)
        check_callback(changes.get("failure_callback_url"), rt)
        _apply_settings(doc, changes)
        if any(k in changes for k in (*MAIN_TIME_FIELDS, "timezone", "start_at", "end_at", "date_order")):
            _apply_time(doc, changes, rt, now)
        return storage.save_schedule(doc)


def _apply_request_changes(doc: Schedule, changes: dict[str, Any], rt: Runtime) -> None:
    if "webhook_url" in changes:
        check_target(changes["webhook_url"], rt)
        doc.webhook_url = changes["webhook_url"]
    if "method_type" in changes:
        doc.method = changes["method_type"]
    if "payload" not in changes and "headers" not in changes:
        return
    stored = payload.open_sealed(rt.cipher, str(doc.pk), doc.sealed)
    body = payload.encode_body(changes["payload"]) if "payload" in changes else stored.body
    check_payload_size(body, rt)
    headers = check_headers(changes["headers"]) if "headers" in changes else stored.headers
    doc.sealed = payload.seal(rt.cipher, str(doc.pk), payload.StoredRequest(body, headers))


def _apply_settings(doc: Schedule, changes: dict[str, Any]) -> None:
    for name in ("max_runs", "max_attempts", "misfire_policy", "misfire_grace", "failure_callback_url"):
        if name in changes:
            setattr(doc, name, changes[name])


def _apply_time(doc: Schedule, changes: dict[str, Any], rt: Runtime, now: datetime) -> None:
    spec = dict(doc.time_spec or _spec_from_doc(doc))
    if any(k in changes for k in MAIN_TIME_FIELDS):
        spec = {k: v for k, v in spec.items() if k not in MAIN_TIME_FIELDS}
    spec.update({k: changes[k] for k in TimeInput.__dataclass_fields__ if k in changes})
    rec = resolve(TimeInput(**spec), now, llm=llm_client(rt))
    doc.time_spec = spec
    for name in ("kind", "cron", "timezone", "interval_seconds", "anchor", "end_at", "description", "understood_as"):
        setattr(doc, name, getattr(rec, name))
    doc.next_run_at = rec.first_run
    if doc.state == "completed":
        doc.state = "active"


def _spec_from_doc(doc: Schedule) -> dict[str, Any]:
    """Time fields for schedules stored before ``time_spec`` existed."""
    if doc.kind == "cron":
        return {"cron_expression": doc.cron, "timezone": doc.timezone}
    if doc.kind == "interval":
        return {"interval": doc.interval_seconds, "timezone": doc.timezone}
    return {"schedule_time": doc.next_run_at.isoformat() if doc.next_run_at else None}


def _require(doc: Schedule, allowed: tuple[str, ...], verb: str) -> None:
    if doc.state not in allowed:
        raise ConflictError(f"schedule {doc.pk} is {doc.state} and cannot be {verb}")


def preview(spec: TimeInput, count: int, reference: datetime | None, rt: Runtime) -> dict[str, Any]:
    """The next ``count`` runs of a time specification, evaluated as if now were ``reference``."""
    rec = resolve(spec, reference or utcnow(), llm=llm_client(rt))
    runs = [rec.first_run, *next_runs(rec, rec.first_run, count - 1)] if count > 0 else []
    return {"next_runs": runs, **{k: v for k, v in asdict(replace(rec)).items() if k != "first_run"}}


def list_page(state: str | None, url: str | None, limit: int, cursor: str | None) -> tuple[list[Schedule], str | None]:
    """A page of schedules, newest first; the cursor is the id of the last one returned."""
    docs = storage.list_schedules(state=state, url=url, limit=limit + 1, before_id=cursor)
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (str(docs[-1].pk) if more and docs else None)
