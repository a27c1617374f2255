"""Request and response shapes (marshmallow). Field names follow the Go project where it has them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from letitgo.errors import TimeSpecError
from letitgo.timespec.clock import check_in_range

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISFIRE_POLICIES = ("fire_once", "skip", "fire_all")
MAX_RUNS = 2**31 - 1  # stored as a MongoDB integer: larger numbers cannot be stored


class UpperMethod(fields.String):
    """An HTTP method, accepted in any case."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        upper = text.strip().upper()
        if upper not in METHODS:
            raise ma.ValidationError(f"unknown method {text!r}; use one of {', '.join(METHODS)}")
        return upper


class IntOrDuration(fields.Field):
    """Seconds as a number, or a duration text such as "90s", "15m"."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ma.ValidationError('must be a number of seconds or a duration such as "90s" or "15m"')
        if isinstance(value, float):
            if value != int(value):
                raise ma.ValidationError("must be a whole number of seconds")
            return int(value)
        return value


class TimeFieldsSchema(ma.Schema):
    """The time fields shared by creation and preview."""

    schedule_time = fields.String(metadata={"description": "RFC 3339 instant, any offset"})
    cron_expression = fields.String(metadata={"description": "5 fields, or 6 with seconds first"})
    time_as_text = fields.String(validate=validate.Length(min=1, max=200))
    interval = IntOrDuration(metadata={"description": 'every N seconds, or "90s", "15m", "2h"'})
    delay = IntOrDuration(metadata={"description": "once, N seconds from now"})
    timezone = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "IANA name"})
    date_order = fields.String(validate=validate.OneOf(("DMY", "MDY", "YMD")))
    start_at = fields.String()
    end_at = fields.String()


class ScheduleFieldsSchema(TimeFieldsSchema):
    """Every field of a schedule; creation requires webhook_url, PATCH takes any subset."""

    webhook_url = fields.String(validate=validate.Length(min=1, max=2048))
    method_type = UpperMethod(metadata={"description": "GET, POST, PUT, PATCH or DELETE (default POST)"})
    payload = fields.Raw(allow_none=True, metadata={"description": "any JSON; sent as the request body"})
    headers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=256)),
        values=fields.String(validate=validate.Length(max=4096)),
    )
    max_runs = fields.Integer(validate=validate.Range(min=1, max=MAX_RUNS), strict=True, allow_none=True)
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=50), strict=True, allow_none=True)
    misfire_policy = fields.String(
        validate=validate.OneOf(MISFIRE_POLICIES), metadata={"description": "fire_once (default), skip or fire_all"}
    )
    misfire_grace = fields.Integer(
        validate=validate.Range(min=0, max=86400), strict=True, metadata={"description": "seconds (default 60)"}
    )
    failure_callback_url = fields.String(validate=validate.Length(min=1, max=2048), allow_none=True)


class ScheduleCreateSchema(ScheduleFieldsSchema):
    webhook_url = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class SchedulePatchSchema(ScheduleFieldsSchema):
    """Only the fields given change; time fields are re-resolved as if given now."""


def _supported_instant(value: Any) -> None:
    try:
        check_in_range(value, "reference_time")
    except TimeSpecError as exc:
        raise ma.ValidationError(exc.message) from None


class PreviewSchema(TimeFieldsSchema):
    count = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100), strict=True)
    reference_time = fields.AwareDateTime(
        format="iso",
        default_timezone=None,
        validate=_supported_instant,
        metadata={"description": "evaluate as if now were this instant"},
    )


class PreviewOut(ma.Schema):
    next_runs = fields.List(fields.String())
    description = fields.String()
    understood_as = fields.String()
    kind = fields.String()
    cron = fields.String(allow_none=True)
    timezone = fields.String()
    interval_seconds = fields.Integer(allow_none=True)


class ListQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(("active", "paused", "completed", "cancelled")))
    webhook_url = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String()


class VerifySchema(ma.Schema):
    webhook_url = fields.String(required=True, validate=validate.Length(min=1, max=2048))
    method_type = UpperMethod(load_default="POST", metadata={"description": "method of the verification request"})


class RunsQuerySchema(ma.Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AttemptOut(ma.Schema):
    number = fields.Integer()
    started_at = fields.String()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Float(allow_none=True)
    error_kind = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    response_snippet = fields.String(allow_none=True)
    response_headers = fields.Dict()


class RunOut(ma.Schema):
    id = fields.String()
    schedule_id = fields.String()
    scheduled_for = fields.String()
    trigger = fields.String()
    state = fields.String()
    reason = fields.String(allow_none=True)
    attempt_count = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptOut))


class RunsOut(ma.Schema):
    runs = fields.List(fields.Nested(RunOut))


class ScheduleOut(ma.Schema):
    id = fields.String()
    time = fields.String(allow_none=True, metadata={"description": "next run, RFC 3339 UTC"})
    cron = fields.String(allow_none=True)
    kind = fields.String()
    timezone = fields.String()
    interval_seconds = fields.Integer(allow_none=True)
    description = fields.String()
    understood_as = fields.String()
    webhook_url = fields.String()
    method_type = fields.String()
    state = fields.String()
    state_reason = fields.String(allow_none=True)
    next_run_at = fields.String(allow_none=True)
    next_runs = fields.List(fields.String())
    run_count = fields.Integer()
    last_run_at = fields.String(allow_none=True)
    last_outcome = fields.String(allow_none=True)
    max_runs = fields.Integer(allow_none=True)
    created_at = fields.String()


class VerifyOut(ma.Schema):
    message = fields.String()
    webhook_url = fields.String()
    verified = fields.Boolean()
    signing_secret = fields.String(allow_none=True, metadata={"description": "shown once, when first issued"})


class ScheduleListOut(ma.Schema):
    schedules = fields.List(fields.Nested(ScheduleOut))
    next_cursor = fields.String(allow_none=True)


class TriggerOut(ma.Schema):
    run_id = fields.String()
    scheduled_for = fields.String()
    state = fields.String()


class ErrorOut(ma.Schema):
    """Every error: ``error`` says what is wrong, ``field`` names the input field when one is at fault."""

    code = fields.Integer(metadata={"description": "the HTTP status"})
    status = fields.String(metadata={"description": "the status name"})
    error = fields.String(metadata={"description": "what is wrong, starting with the field name when there is one"})
    field = fields.String(metadata={"description": "the input field at fault (dotted for nested fields)"})
    errors = fields.Dict(metadata={"description": "every invalid field with its messages"})


class HealthOut(ma.Schema):
    status = fields.String()
    checks = fields.Dict()
