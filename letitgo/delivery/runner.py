"""Deliver one run: lock, send, record every attempt, retry short waits in place, park long ones.

Testable without Celery: the task only calls ``deliver_run`` and acts on the returned Verdict.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt

from letitgo import endpoints, payload, storage
from letitgo.delivery.http import OutboundRequest, Outcome, OutcomeKind, send
from letitgo.errors import CryptoError
from letitgo.models import EPOCH, TERMINAL_RUN_STATES, Attempt, Run, utcnow
from letitgo.retry import RetryPolicy
from letitgo.runtime import Runtime
from letitgo.signing import webhook_headers

log = logging.getLogger(__name__)

USER_AGENT = "LetItGo-Webhooks/1.0"


@dataclass(frozen=True)
class Verdict:
    """What became of a delivery task: ``state`` of the run, and why."""

    state: str
    reason: str = ""


@dataclass
class _Step:
    """One attempt's result; ``wait`` set means try again in place after that many seconds."""

    verdict: Verdict | None
    wait: float | None = None


def deliver_run(run_id: str, rt: Runtime, sleep: Callable[[float], None] = time.sleep) -> Verdict:
    """Deliver ``run_id`` unless it is delivered, taken by another worker, or no longer wanted."""
    if rt.cache.is_delivered(run_id):
        _restore_delivered(run_id, rt)
        return Verdict("delivered", "already delivered (cache)")
    budget = _task_budget(rt)
    token = rt.cache.acquire(run_id, budget)
    if token is None:
        return Verdict("skipped", "another worker holds this run")
    try:
        return _deliver_locked(run_id, rt, budget, sleep)
    finally:
        rt.cache.release(run_id, token)


def _restore_delivered(run_id: str, rt: Runtime) -> None:
    """Put back a "delivered" state that MongoDB lost; the cache is marked only after it was stored.

    The poll republishes only open runs, so a delivery task that finds the run in the cache was sent for a
    run whose stored state is open again. FerretDB applies each update as a read-modify-write of the whole
    document, so a concurrent write to the run (a poll claiming or re-arming it) can undo the "delivered"
    write. Left so, the run would stay "pending" in the API and be republished every watchdog period. It is
    restored only when a delivered attempt is newer than the run's last deliberate change (not a replay).
    """
    token = rt.cache.acquire(run_id, _task_budget(rt))
    if token is None:
        return
    try:
        run = storage.get_run(run_id)
        if run is None or run.state not in ("pending", "retrying"):
            return
        sent = [a for a in storage.attempts_for([run_id]).get(run_id, []) if a.outcome == OutcomeKind.DELIVERED]
        if not sent or (run.updated_at is not None and sent[-1].started_at <= run.updated_at):
            return
        fields = {
            "state": "delivered",
            "reason": None,
            "next_attempt_at": None,
            "delivered_at": sent[-1].started_at,
            "last_status": sent[-1].status_code,
            "last_error": None,
            "attempt_count": max(run.attempt_count, sent[-1].number),
        }
        if storage.update_run(run_id, fields, only_states=("pending", "retrying")):
            log.warning("run %s: delivered at %s but stored as %s; restored", run_id, sent[-1].started_at, run.state)
    finally:
        rt.cache.release(run_id, token)


def _task_budget(rt: Runtime) -> float:
    """How long the run stays locked to this task; past it, the poll's watchdog publishes it again."""
    return rt.settings.inline_budget + rt.settings.watchdog_seconds


def _deliver_locked(run_id: str, rt: Runtime, budget: float, sleep: Callable[[float], None]) -> Verdict:
    run = storage.get_run(run_id)
    if run is None:
        return Verdict("skipped", "unknown run")
    if run.state in TERMINAL_RUN_STATES:
        if run.state == "delivered":
            rt.cache.mark_delivered(run_id)
        return Verdict(run.state, "run already finished")
    stopped = _stopped_by_schedule(run)
    if stopped:
        return stopped
    gate = rt.breaker.admit(run.webhook_url)
    if gate.wait is not None:
        return _hold(run, gate.wait, gate.reason, rt)
    try:
        return _start(run, rt, budget, sleep)
    finally:
        gate.release()


def _start(run: Run, rt: Runtime, budget: float, sleep: Callable[[float], None]) -> Verdict:
    now = utcnow()
    storage.update_run(
        run.id, {"next_attempt_at": now + timedelta(seconds=budget), "first_attempt_at": run.first_attempt_at or now}
    )
    # A replay starts a fresh retry budget: max age counts from it.
    return _attempt_loop(run, rt, max(run.first_attempt_at or now, run.replayed_at or EPOCH), sleep)


def _stopped_by_schedule(run: Run) -> Verdict | None:
    state = storage.schedule_state(run.schedule_id)
    if state in ("cancelled", None) or (state == "paused" and run.trigger == "schedule"):
        new_state = "cancelled" if state != "paused" else "skipped"
        reason = f"schedule {state or 'deleted'}"
        storage.update_run(run.id, {"state": new_state, "reason": reason, "next_attempt_at": None})
        return Verdict(new_state, reason)
    return None


def _attempt_loop(run: Run, rt: Runtime, first_at: datetime, sleep: Callable[[float], None]) -> Verdict:
    policy = _policy(run, rt)
    started = time.monotonic()
    retrying = Retrying(
        retry=retry_if_result(lambda step: step.wait is not None),
        wait=_inline_wait,
        stop=stop_after_attempt(policy.max_attempts),
        sleep=sleep,
        reraise=True,
    )
    try:
        request = _build_request(run, rt)
        step: _Step = retrying(lambda: _one_attempt(run, rt, request, policy, first_at, started))
    except CryptoError as exc:
        return _unreadable(run, exc)
    assert step.verdict is not None or step.wait is not None
    return step.verdict or _park(run, step.wait or 0.0, "attempt limit reached in this task")


def _policy(run: Run, rt: Runtime) -> RetryPolicy:
    s = rt.settings
    return RetryPolicy(
        max_attempts=(run.max_attempts or s.max_attempts) + (run.attempts_before_replay or 0),
        base=s.retry_base,
        cap=s.retry_cap,
        max_age=s.retry_max_age,
    )


def _inline_wait(state: RetryCallState) -> float:
    assert state.outcome is not None
    return float(state.outcome.result().wait or 0.0)


def _unreadable(run: Run, exc: CryptoError) -> Verdict:
    """A payload or signing secret sealed with a key this process lacks can never be sent: dead, saying why."""
    reason = f"cannot decrypt the stored request or signing secret ({exc}); configure the key it was sealed with"
    log.error("run %s: %s", run.id, reason)
    storage.update_run(run.id, {"state": "dead", "reason": reason, "next_attempt_at": None, "last_error": reason})
    return Verdict("dead", reason)


def _build_request(run: Run, rt: Runtime) -> OutboundRequest:
    stored = payload.open_sealed(rt.cipher, run.schedule_id, run.sealed)
    headers = {"User-Agent": USER_AGENT, **stored.headers, "Content-Type": "application/json", "webhook-id": run.id}
    return OutboundRequest(url=run.webhook_url, method=run.method, headers=headers, body=stored.body)


def _signed(request: OutboundRequest, rt: Runtime) -> OutboundRequest:
    secrets = _endpoint_secrets(request.url, rt)
    headers = dict(request.headers)
    stamp = int(time.time())
    headers["webhook-timestamp"] = str(stamp)
    if secrets:
        headers.update(webhook_headers(secrets, headers["webhook-id"], stamp, request.body))
    return OutboundRequest(request.url, request.method, headers, request.body)


def _endpoint_secrets(url: str, rt: Runtime) -> list[str]:
    return endpoints.signing_secrets(url, rt)


def _one_attempt(
    run: Run, rt: Runtime, request: OutboundRequest, policy: RetryPolicy, first_at: datetime, started: float
) -> _Step:
    number = run.attempt_count + 1
    attempt_at = utcnow()
    outcome = send(_signed(request, rt), rt.limits, rt.http_session())
    _record(run, number, attempt_at, outcome)
    held = rt.breaker.record(run.webhook_url, outcome)
    run.attempt_count = number
    if outcome.kind is OutcomeKind.DELIVERED:
        return _Step(_finish(run, rt, "delivered", "", outcome))
    if outcome.kind in (OutcomeKind.PERMANENT, OutcomeKind.GONE):
        return _Step(_finish(run, rt, "dead", _describe(outcome), outcome))
    delay = policy.next_delay(number, outcome.retry_after, first_at, utcnow())
    if delay is None:
        return _Step(_finish(run, rt, "dead", f"retries exhausted: {_describe(outcome)}", outcome))
    if held:  # the circuit is open: no more attempts until it lets a probe through
        return _Step(_park(run, max(delay, held), _describe(outcome)))
    elapsed = time.monotonic() - started
    fits = elapsed + delay + rt.settings.attempt_deadline <= rt.settings.inline_budget
    if delay <= rt.settings.inline_retry_max_wait and fits:
        return _Step(None, wait=delay)
    return _Step(_park(run, delay, _describe(outcome)))


def _describe(outcome: Outcome) -> str:
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}"
    return f"{outcome.error_kind}: {outcome.error}"


def _record(run: Run, number: int, started_at: datetime, outcome: Outcome) -> None:
    storage.add_attempt(
        Attempt(
            run_id=run.id,
            schedule_id=run.schedule_id,
            number=number,
            started_at=started_at,
            outcome=outcome.kind.value,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error_kind=outcome.error_kind,
            error=outcome.error,
            response_snippet=outcome.response_snippet,
            response_headers=outcome.response_headers,
        )
    )


def _finish(run: Run, rt: Runtime, state: str, reason: str, outcome: Outcome) -> Verdict:
    fields = {
        "state": state,
        "reason": reason or None,
        "next_attempt_at": None,
        "last_status": outcome.status_code,
        "last_error": None if state == "delivered" else _describe(outcome),
        "attempt_count": run.attempt_count,
    }
    if state == "delivered":
        fields["delivered_at"] = utcnow()
    storage.update_run(run.id, fields)
    if state == "delivered":
        rt.cache.mark_delivered(run.id)
    if outcome.kind is OutcomeKind.GONE:
        storage.disable_endpoint(run.webhook_url, "receiver answered 410 Gone")
    return Verdict(state, reason)


def _hold(run: Run, wait: float, reason: str, rt: Runtime) -> Verdict:
    """No slot free or the circuit open: no attempt made or counted; the poll brings the run back after ``wait``.

    A run held past the retry max age is dead-lettered, so an endpoint that never recovers cannot keep it forever.
    """
    now = utcnow()
    since = max(run.first_attempt_at or run.scheduled_for, run.replayed_at or EPOCH)
    if (now - since).total_seconds() + wait > _policy(run, rt).max_age:
        why = f"held past the retry max age: {reason}"
        storage.update_run(run.id, {"state": "dead", "reason": why, "next_attempt_at": None})
        return Verdict("dead", why)
    when = now + timedelta(seconds=wait)
    storage.update_run(run.id, {"next_attempt_at": when, "reason": reason})
    return Verdict(run.state, f"held until {when.isoformat()}: {reason}")


def _park(run: Run, delay: float, reason: str) -> Verdict:
    """Leave the run for the producer poll to publish again after ``delay`` seconds."""
    when = utcnow() + timedelta(seconds=delay)
    storage.update_run(
        run.id, {"state": "retrying", "next_attempt_at": when, "last_error": reason, "attempt_count": run.attempt_count}
    )
    return Verdict("retrying", f"next attempt at {when.isoformat()} after {reason}")
