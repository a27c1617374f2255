"""Request and response shapes of the endpoint and dead-letter APIs (marshmallow)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from letitgo.api.schemas import RunOut
from letitgo.models import RUN_STATES

MAX_OVERLAP = 30 * 86400


class EndpointUrlSchema(ma.Schema):
    webhook_url = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class RotateSecretSchema(EndpointUrlSchema):
    overlap_seconds = fields.Integer(
        load_default=86400,
        strict=True,
        validate=validate.Range(min=0, max=MAX_OVERLAP),
        metadata={"description": "seconds the old secrets keep signing next to the new one (default 86400)"},
    )


class EndpointListQuery(ma.Schema):
    webhook_url = fields.String(validate=validate.Length(min=1, max=2048))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String()


class CircuitOut(ma.Schema):
    state = fields.String(metadata={"description": "closed, open or half_open"})
    open_until = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    last_error = fields.String(allow_none=True)
    in_flight = fields.Integer()


class SecretOut(ma.Schema):
    id = fields.String()
    created_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    active = fields.Boolean()


class EndpointOut(ma.Schema):
    id = fields.String()
    webhook_url = fields.String()
    state = fields.String(metadata={"description": "active, disabled, circuit_open or circuit_half_open"})
    state_reason = fields.String(allow_none=True)
    open_until = fields.String(allow_none=True, metadata={"description": "when an open circuit lets a probe through"})
    verified = fields.Boolean()
    verified_at = fields.String(allow_none=True)
    verified_by = fields.String(allow_none=True)
    circuit = fields.Nested(CircuitOut)
    secrets = fields.List(fields.Nested(SecretOut), metadata={"description": "ids and expiry, never the secrets"})
    secrets_error = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)


class EndpointIssuedOut(EndpointOut):
    message = fields.String()
    signing_secret = fields.String(metadata={"description": "shown once: store it now"})
    secret_id = fields.String()


class EndpointListOut(ma.Schema):
    endpoints = fields.List(fields.Nested(EndpointOut))
    next_cursor = fields.String(allow_none=True)


class RunFilterSchema(ma.Schema):
    schedule_id = fields.String(validate=validate.Length(min=1, max=64))
    webhook_url = fields.String(validate=validate.Length(min=1, max=2048))
    since = fields.AwareDateTime(format="iso", metadata={"description": "runs scheduled at or after (RFC 3339)"})
    until = fields.AwareDateTime(format="iso", metadata={"description": "runs scheduled before (RFC 3339)"})

    @ma.validates_schema
    def _window(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ma.ValidationError("must be later than since", field_name="until")


class RunListQuery(RunFilterSchema):
    state = fields.String(validate=validate.OneOf(RUN_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String()


class ReplaySchema(ma.Schema):
    force = fields.Boolean(load_default=False, metadata={"description": "also send a delivered run again"})


class BulkReplaySchema(RunFilterSchema):
    state = fields.String(load_default="dead", validate=validate.OneOf(("dead",)))
    limit = fields.Integer(load_default=1000, strict=True, validate=validate.Range(min=1, max=1000))


class BulkReplayOut(ma.Schema):
    replayed = fields.Integer()
    not_replayable = fields.Integer(metadata={"description": "dead runs of cancelled schedules, left dead"})
    more = fields.Boolean(metadata={"description": "more dead runs match: call again"})


class RunDetailOut(RunOut):
    webhook_url = fields.String()
    replayed_at = fields.String(allow_none=True)
    replay_count = fields.Integer()


class RunListOut(ma.Schema):
    runs = fields.List(fields.Nested(RunDetailOut))
    next_cursor = fields.String(allow_none=True)
