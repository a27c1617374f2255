"""Creating, reading and cancelling schedules: the use cases behind the API, free of Flask."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from letitgo import ids, payload, ssrf, storage
from letitgo.errors import ConflictError, PayloadTooLargeError, ValidationError
from letitgo.models import Schedule, utcnow
from letitgo.runtime import Runtime
from letitgo.timespec import Recurrence, TimeInput, next_runs, resolve

DNS_TIMEOUT = 5.0  # seconds an API request may wait on the resolver

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FORBIDDEN_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-type",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)


@dataclass
class NewSchedule:
    """A validated creation request (the API's schema produced it)."""

    webhook_url: str
    method: str = "POST"
    payload: Any = None
    has_payload: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    time: TimeInput = field(default_factory=TimeInput)
    max_runs: int | None = None
    max_attempts: int | None = None
    misfire_policy: str = "fire_once"
    misfire_grace: int = 60
    failure_callback_url: str | None = None


# RFC 9110: a field name is a token; a value has no control characters but tab and no leading
# blank. Anything else is refused here, not by the HTTP client at every delivery attempt.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|^[ \t]")


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Refuse hop-by-hop, framing and signature headers, names that are not tokens and values that are not
    plain text (control characters, a line break that would split the header, a leading blank)."""
    for name, value in headers.items():
        if name.lower() in FORBIDDEN_HEADERS:
            raise ValidationError(f"headers.{name}", "this header is set by LetItGo and cannot be given")
        if not _TOKEN.fullmatch(name):
            raise ValidationError(f"headers.{name}", "not a valid header name: use letters, digits and -")
        if _BAD_VALUE.search(value):
            raise ValidationError(
                f"headers.{name}", "not a valid header value: no control characters, line breaks or leading blank"
            )
    return headers


def create(request: NewSchedule, rt: Runtime, now: datetime | None = None) -> tuple[Schedule, Recurrence]:
    """Validate the target, resolve the time, seal the request and store the schedule."""
    now = now or utcnow()
    check_target(request.webhook_url, rt)
    check_callback(request.failure_callback_url, rt)
    rec = resolve(request.time, now, llm=llm_client(rt))
    body = payload.encode_body(request.payload) if request.has_payload else b""
    check_payload_size(body, rt)
    sid = ids.new_schedule_id()
    sealed = payload.seal(rt.cipher, sid, payload.StoredRequest(body, check_headers(request.headers)))
    doc = Schedule(
        id=sid,
        webhook_url=request.webhook_url,
        method=request.method,
        sealed=sealed,
        kind=rec.kind,
        cron=rec.cron,
        timezone=rec.timezone,
        interval_seconds=rec.interval_seconds,
        anchor=rec.anchor,
        end_at=rec.end_at,
        max_runs=request.max_runs,
        description=rec.description,
        understood_as=rec.understood_as,
        time_spec={k: v for k, v in asdict(request.time).items() if v is not None},
        next_run_at=rec.first_run,
        max_attempts=request.max_attempts,
        misfire_policy=request.misfire_policy,
        misfire_grace=request.misfire_grace,
        failure_callback_url=request.failure_callback_url,
        created_at=now,
        updated_at=now,
    )
    return storage.save_schedule(doc), rec


def check_payload_size(body: bytes, rt: Runtime) -> None:
    limit = rt.settings.max_payload_bytes
    if len(body) > limit:
        raise PayloadTooLargeError("payload", f"{len(body)} bytes is over the limit of {limit}")


def check_target(url: str, rt: Runtime) -> None:
    """SSRF guard, then (unless switched off) the endpoint must be verified and not disabled."""
    ssrf.check_url(url, rt.settings.ssrf_allow_networks, resolve_timeout=DNS_TIMEOUT)
    if not rt.settings.require_verified:
        return
    endpoint = storage.get_endpoint(url)
    if endpoint is None or endpoint.verified_at is None:
        raise ValidationError(
            "webhook_url", "endpoint is not verified: call POST /endpoints/verify (or POST /webhook/verify) first"
        )
    if endpoint.state == "disabled":
        raise ValidationError("webhook_url", f"endpoint is disabled: {endpoint.state_reason}; verify it again")


def check_callback(url: str | None, rt: Runtime) -> None:
    """A failure callback URL passes the same SSRF guard as webhook_url (it need not be verified)."""
    if not url:
        return
    try:
        ssrf.check_url(url, rt.settings.ssrf_allow_networks, resolve_timeout=DNS_TIMEOUT)
    except ValidationError as exc:
        raise type(exc)("failure_callback_url", exc.message) from None


def llm_client(rt: Runtime) -> Any:
    if not rt.settings.llm_enabled:
        return None
    from letitgo.timespec.llm import LLMClient

    return LLMClient(rt.settings.llm_api_url, rt.settings.llm_api_key, rt.settings.llm_model)


def cancel(schedule_id: str) -> Schedule:
    """Cancel a schedule and every run of it not yet sent; cancelling twice is harmless."""
    doc = storage.get_schedule(schedule_id)
    if doc.state != "cancelled":
        moved = storage.set_schedule_state(schedule_id, "cancelled", ("active", "paused"), {"next_run_at": None})
        if not moved and storage.get_schedule(schedule_id).state != "cancelled":
            raise ConflictError(f"schedule {schedule_id} is {doc.state} and cannot be cancelled")
    storage.cancel_open_runs(schedule_id)
    return storage.get_schedule(schedule_id)


def recurrence(doc: Schedule) -> Recurrence:
    """The time specification stored on a schedule document."""
    return Recurrence(
        kind=doc.kind,
        timezone=doc.timezone or "UTC",
        first_run=doc.next_run_at or utcnow(),
        cron=doc.cron,
        interval_seconds=doc.interval_seconds,
        anchor=doc.anchor,
        end_at=doc.end_at,
    )


def upcoming(doc: Schedule, count: int = 5) -> list[datetime]:
    """The next ``count`` occurrences of an active schedule."""
    if doc.state != "active" or doc.next_run_at is None:
        return []
    rec = recurrence(doc)
    first = [doc.next_run_at]
    return first + next_runs(rec, doc.next_run_at, count - 1) if count > 1 else first
