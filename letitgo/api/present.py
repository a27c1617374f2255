"""Documents to JSON-ready dicts (times as RFC 3339 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from letitgo.breaker import Circuit
from letitgo.models import Attempt, Run, Schedule
from letitgo.timefmt import rfc3339


def schedule(doc: Schedule, upcoming: list[datetime], last_outcome: str | None = None) -> dict:
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
        "last_outcome": last_outcome,
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
        "webhook_url": doc.webhook_url,
        "replayed_at": rfc3339(doc.replayed_at),
        "replay_count": doc.replay_count or 0,
        "attempts": [attempt(a) for a in attempts],
    }


def _unix(value: int | None) -> str | None:
    return rfc3339(datetime.fromtimestamp(value, UTC)) if value is not None else None


def circuit(c: Circuit) -> dict[str, Any]:
    return {
        "state": c.state,
        "open_until": rfc3339(c.open_until),
        "reason": c.reason,
        "consecutive_failures": c.failures,
        "last_error": c.last_error,
        "in_flight": c.in_flight,
    }


def endpoint(described: dict[str, Any]) -> dict[str, Any]:
    """An endpoint as letitgo.endpoints.describe() sees it; secrets only by id."""
    doc = described["endpoint"]
    return {
        "id": str(doc.pk),
        "webhook_url": doc.url,
        "state": described["state"],
        "state_reason": described["state_reason"],
        "open_until": rfc3339(described["circuit"].open_until),
        "verified": doc.verified_at is not None,
        "verified_at": rfc3339(doc.verified_at),
        "verified_by": doc.verified_by,
        "circuit": circuit(described["circuit"]),
        "secrets": [
            {**s, "created_at": _unix(s["created_at"]), "expires_at": _unix(s["expires_at"])}
            for s in described["secrets"]
        ],
        "secrets_error": described["secrets_error"],
        "created_at": rfc3339(doc.created_at),
    }
