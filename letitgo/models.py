"""MongoDB documents (mongoengine). Only letitgo.storage queries them.

Stays inside what FerretDB 1.x and MongoDB both serve: no TTL or partial indexes, no positional updates,
attempts in their own collection, user payloads and headers only as sealed strings.
"""

from __future__ import annotations

from datetime import UTC, datetime

import mongoengine as me

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SCHEDULE_STATES = ("active", "paused", "completed", "cancelled")
RUN_STATES = ("pending", "retrying", "delivered", "dead", "cancelled", "missed", "skipped")
TERMINAL_RUN_STATES = ("delivered", "dead", "cancelled", "missed", "skipped")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Schedule(me.Document):
    """A request to send at one moment or on a recurrence."""

    meta = {
        "collection": "schedules",
        "indexes": [
            {"fields": ["state", "next_run_at"], "name": "due"},
            {"fields": ["claim_token"], "name": "claim"},
            {"fields": ["webhook_url", "-created_at"], "name": "by_url"},
        ],
    }

    webhook_url = me.StringField(required=True)
    method = me.StringField(required=True)
    sealed = me.StringField(required=True)  # payload body + custom headers, encrypted
    kind = me.StringField(required=True)  # once | cron | interval
    cron = me.StringField()
    timezone = me.StringField(default="UTC")
    interval_seconds = me.IntField()
    anchor = me.DateTimeField()
    start_at = me.DateTimeField()
    end_at = me.DateTimeField()
    max_runs = me.IntField()
    description = me.StringField(default="")
    understood_as = me.StringField(default="")
    time_spec = me.DictField()  # the time fields as the user gave them, to re-resolve on PATCH
    state = me.StringField(required=True, default="active", choices=SCHEDULE_STATES)
    state_reason = me.StringField()
    next_run_at = me.DateTimeField()
    claim_token = me.StringField()
    lease_until = me.DateTimeField(default=EPOCH)
    run_count = me.IntField(default=0)
    last_run_at = me.DateTimeField()
    last_outcome = me.StringField()
    max_attempts = me.IntField()
    misfire_policy = me.StringField(default="fire_once")
    misfire_grace = me.IntField(default=60)
    failure_callback_url = me.StringField()
    created_at = me.DateTimeField(default=utcnow)
    updated_at = me.DateTimeField(default=utcnow)


class Run(me.Document):
    """One occurrence of a schedule; its id (the webhook-id) is derived from schedule id and instant."""

    meta = {
        "collection": "runs",
        "indexes": [
            {"fields": ["schedule_id", "-scheduled_for"], "name": "by_schedule"},
            {"fields": ["state", "next_attempt_at"], "name": "due_retry"},
            {"fields": ["claim_token"], "name": "claim"},
            {"fields": ["state", "-scheduled_for"], "name": "by_state"},
        ],
    }

    id = me.StringField(primary_key=True)
    schedule_id = me.StringField(required=True)
    scheduled_for = me.DateTimeField(required=True)
    trigger = me.StringField(default="schedule")  # schedule | manual | replay
    state = me.StringField(required=True, default="pending", choices=RUN_STATES)
    reason = me.StringField()
    # A snapshot of the request, so every retry sends exactly the same thing.
    webhook_url = me.StringField(required=True)
    method = me.StringField(required=True)
    sealed = me.StringField(required=True)
    max_attempts = me.IntField()
    attempt_count = me.IntField(default=0)
    first_attempt_at = me.DateTimeField()
    next_attempt_at = me.DateTimeField()
    claim_token = me.StringField()
    lease_until = me.DateTimeField(default=EPOCH)
    delivered_at = me.DateTimeField()
    last_status = me.IntField()
    last_error = me.StringField()
    # Replays (POST /runs/<id>/replay) give a fresh retry budget: attempts and max age count from here.
    replayed_at = me.DateTimeField()
    replay_count = me.IntField(default=0)
    attempts_before_replay = me.IntField(default=0)
    created_at = me.DateTimeField(default=utcnow)
    updated_at = me.DateTimeField(default=utcnow)


class Attempt(me.Document):
    """One HTTP attempt of a run."""

    meta = {
        "collection": "attempts",
        "indexes": [
            {"fields": ["run_id", "number"], "name": "by_run"},
            {"fields": ["started_at"], "name": "by_time"},
        ],
    }

    run_id = me.StringField(required=True)
    schedule_id = me.StringField(required=True)
    number = me.IntField(required=True)
    started_at = me.DateTimeField(required=True)
    outcome = me.StringField(required=True)
    status_code = me.IntField()
    latency_ms = me.FloatField()
    error_kind = me.StringField()
    error = me.StringField()
    response_snippet = me.StringField()
    response_headers = me.DictField()


class Endpoint(me.Document):
    """A receiver URL that proved it wants our requests."""

    meta = {"collection": "endpoints", "indexes": [{"fields": ["url"], "unique": True, "name": "url"}]}

    url = me.StringField(required=True)
    verified_at = me.DateTimeField()
    verified_by = me.StringField()  # go-hmac | challenge
    sealed_secrets = me.StringField()  # JSON list of secrets, encrypted (see letitgo.endpoint_secrets)
    state = me.StringField(default="active")  # active | disabled
    state_reason = me.StringField()
    created_at = me.DateTimeField(default=utcnow)
