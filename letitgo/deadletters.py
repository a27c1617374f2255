"""Dead letters: list runs by state, replay them one by one or in bulk, and tell a schedule's failure callback.

A replay sets the run back to ``pending``, due now, with a fresh retry budget (``replayed_at``,
``attempts_before_replay``); the producer poll publishes it like any pending run. Attempt numbers keep
growing, so the history shows every attempt before and after the replay, and the ``webhook-id`` stays the
run id, so a receiver that got it before can tell.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from letitgo import endpoints, storage
from letitgo.breaker import describe
from letitgo.cache import DELIVERED_TTL
from letitgo.delivery.http import Limits, OutboundRequest, send
from letitgo.errors import ConflictError, NotFoundError, ValidationError
from letitgo.models import Run, utcnow
from letitgo.runtime import Runtime
from letitgo.signing import webhook_headers
from letitgo.storage import RunFilter

log = logging.getLogger(__name__)

MAX_BULK_REPLAY = 1000
NOTICE_DEADLINE = 5.0  # seconds a failure callback may take; it never holds up a delivery


@dataclass
class BulkReplay:
    replayed: int
    not_replayable: int  # dead runs of cancelled schedules, left as they are
    more: bool  # more dead runs match: call again


def encode_cursor(run: Run) -> str:
    millis = int(run.scheduled_for.timestamp() * 1000)
    return base64.urlsafe_b64encode(f"{millis}|{run.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        millis, _, run_id = raw.partition("|")
        if not run_id:
            raise ValueError(cursor)
        return datetime.fromtimestamp(int(millis) / 1000, UTC), run_id
    except (binascii.Error, ValueError, UnicodeDecodeError, OverflowError, OSError):
        raise ValidationError("cursor", "not a cursor returned by this API") from None


def list_page(flt: RunFilter, limit: int, cursor: str | None) -> tuple[list[Run], str | None]:
    """A page of runs, newest scheduled first; the cursor continues after the last one returned."""
    runs = storage.find_runs(flt, limit + 1, decode_cursor(cursor) if cursor else None)
    more = len(runs) > limit
    runs = runs[:limit]
    return runs, (encode_cursor(runs[-1]) if more and runs else None)


def replay(run_id: str, force: bool, rt: Runtime, now: datetime | None = None) -> Run:
    """Send a dead run again (a delivered one too when ``force``); 409 for anything else."""
    run = storage.get_run(run_id)
    if run is None:
        raise NotFoundError(f"run {run_id} not found")
    allowed = ("dead", "delivered") if force else ("dead",)
    if run.state not in allowed:
        hint = "; pass force=true to send a delivered run again" if run.state == "delivered" else ""
        raise ConflictError(f"run {run_id} is {run.state} and cannot be replayed{hint}")
    if not storage.live_schedule_ids([run.schedule_id]):
        raise ConflictError(f"run {run_id} belongs to a cancelled schedule and cannot be replayed")
    # The run's delivery lock: no delivery task may read the old state between the two writes below.
    token = rt.cache.acquire(run_id, 10)
    if token is None:
        raise ConflictError(f"run {run_id} is being delivered right now; try again")
    try:
        moved = storage.replay_runs([run], allowed, now or utcnow())
        # After the state change, or a task could re-mark it delivered from the old state.
        rt.cache.clear_delivered(run_id)
    finally:
        rt.cache.release(run_id, token)
    if not moved:
        raise ConflictError(f"run {run_id} changed state meanwhile; try again")
    replayed = storage.get_run(run_id)
    assert replayed is not None
    return replayed


def replay_bulk(flt: RunFilter, limit: int, now: datetime | None = None) -> BulkReplay:
    """Replay up to ``limit`` dead runs matching ``flt`` (newest first); runs of cancelled schedules stay dead."""
    flt = replace(flt, state="dead")
    schedule_ids = storage.run_schedule_ids(flt)
    live = sorted(storage.live_schedule_ids(schedule_ids))
    runs = storage.find_runs(replace(flt, schedule_ids=live), min(limit, MAX_BULK_REPLAY) + 1)
    more = len(runs) > limit
    replayed = storage.replay_runs(runs[:limit], ("dead",), now or utcnow())
    gone = [s for s in schedule_ids if s not in set(live)]
    not_replayable = storage.count_runs(replace(flt, schedule_ids=gone)) if gone else 0
    return BulkReplay(replayed, not_replayable, more)


def notify_dead(run_id: str, rt: Runtime) -> str:
    """POST a run.dead notice to the schedule's failure callback, at most once per death; say what happened."""
    run = storage.get_run(run_id)
    if run is None or run.state != "dead":
        return "skipped: the run is not dead"
    try:
        url = storage.get_schedule(run.schedule_id).failure_callback_url
    except NotFoundError:
        url = None
    if not url:
        return "skipped: no failure callback"
    if rt.cache.acquire(f"dead-notice:{run_id}:{run.attempt_count}", DELIVERED_TTL) is None:
        return "skipped: already notified"
    outcome = send(_notice(run, url, rt), _notice_limits(rt))
    result = outcome.kind.value if outcome.error_kind is None else f"{outcome.kind.value} ({describe(outcome)})"
    log.info("failure callback for run %s: %s", run_id, result)
    return result


def _notice(run: Run, url: str, rt: Runtime) -> OutboundRequest:
    body = json.dumps(
        {
            "type": "run.dead",
            "run_id": run.id,
            "schedule_id": run.schedule_id,
            "reason": run.reason,
            "attempts": run.attempt_count,
        }
    ).encode()
    msg_id = f"{run.id}_dead{run.attempt_count}"
    stamp = int(time.time())
    headers = {"User-Agent": endpoints.USER_AGENT, "Content-Type": "application/json"}
    headers.update({"webhook-id": msg_id, "webhook-timestamp": str(stamp)})
    endpoint = storage.get_endpoint(url)
    if endpoint is not None and endpoint.verified_at is not None:
        secrets = endpoints.signing_secrets(url, rt)
        if secrets:
            headers.update(webhook_headers(secrets, msg_id, stamp, body))
    return OutboundRequest(url, "POST", headers, body)


def _notice_limits(rt: Runtime) -> Limits:
    limits = rt.limits
    return replace(
        limits,
        connect_timeout=min(limits.connect_timeout, NOTICE_DEADLINE),
        read_timeout=min(limits.read_timeout, NOTICE_DEADLINE),
        deadline=min(limits.deadline, NOTICE_DEADLINE),
        max_response_bytes=1024,
    )
