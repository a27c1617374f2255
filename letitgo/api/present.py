"""Documents to JSON-ready dicts (times as RFC 3339 UTC)."""

from __future__ import annotations

from datetime import datetime

from letitgo.models import Attempt, Run, Schedule
from letitgo.timefmt import rfc3339


def schedule(doc: Schedule, upcoming: list[datetime]) -> dict:
    return {
        "id": str(doc.id),
        "time": rfc3339(doc.next_run_at),
        "cron": doc.cron,
        "kind": doc.kind,
        "timezone": doc.timezone,
        "interval_seconds": doc.interval_seconds,
        "description": doc.description,
        "understood_as": doc.understood_as,
        "webhook_url": doc.webhook_url,
        "method_type": doc.method,
        "state": doc.state,
        "state_reason": doc.state_reason,
        "next_run_at": rfc3339(doc.next_run_at),
        "next_runs": [rfc3339(t) for t in upcoming],
        "run_count": doc.run_count,
        "last_run_at": rfc3339(doc.last_run_at),
        "last_outcome": doc.last_outcome,
        "max_runs": doc.max_runs,
        "created_at": rfc3339(doc.created_at),
    }


def attempt(att: Attempt) -> dict:
    return {
        "number": att.number,
        "started_at": rfc3339(att.started_at),
        "outcome": att.outcome,
        "status_code": att.status_code,
        "latency_ms": att.latency_ms,
        "error_kind": att.error_kind,
        "error": att.error,
        "response_snippet": att.response_snippet,
        "response_headers": att.response_headers or {},
    }


def run(doc: Run, attempts: list[Attempt]) -> dict:
    return {
        "id": doc.id,
        "schedule_id": doc.schedule_id,
        "scheduled_for": rfc3339(doc.scheduled_for),
        "trigger": doc.trigger,
        "state": doc.state,
        "reason": doc.reason,
        "attempt_count": doc.attempt_count,
        "next_attempt_at": rfc3339(doc.next_attempt_at) if doc.state == "retrying" else None,
        "delivered_at": rfc3339(doc.delivered_at),
        "last_status": doc.last_status,
        "attempts": [attempt(a) for a in attempts],
    }
