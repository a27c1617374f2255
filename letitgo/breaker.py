"""Endpoint health, shared by every worker through Redis: a concurrency limit and a circuit breaker per URL.

- Concurrency: a counting semaphore (a sorted set of slot tokens scored by their expiry), so a worker that
  dies holding a slot frees it when the slot expires instead of leaking it.
- Circuit: ``closed`` counts consecutive failed attempts; at the threshold it becomes ``open`` for a
  cooldown that doubles on each trip in a row (up to a cap). When the cooldown ends the next delivery is
  the single probe (``half_open``); its success closes the circuit, its failure opens it again.

Both are decided inside Lua scripts with Redis' own clock, so workers never disagree on time and two
workers cannot both take the last slot or both become the probe (MongoDB-wire conditional updates are not
atomic on FerretDB, Redis scripts are). When Redis is unreachable the guard fails open: deliveries go on
unthrottled rather than stop.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from letitgo.delivery.http import Outcome, OutcomeKind

log = logging.getLogger(__name__)

_PREFIX = "letitgo:endpoint:"
SHORT_WAIT = 1.0  # seconds a run waits for a free slot or for the probe's verdict

_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, slot_ttl, probe_ttl, short = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HGET', KEYS[2], 'state') or 'closed'
local probe = false
if state == 'open' then
  local reopen = tonumber(redis.call('HGET', KEYS[2], 'open_until') or '0')
  if now < reopen then return {'open', reopen - now} end
  probe = true
elseif state == 'half_open' then
  local probe_until = tonumber(redis.call('HGET', KEYS[2], 'probe_until') or '0')
  if now < probe_until then return {'probing', math.min(probe_until - now, short)} end
  probe = true
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return {'busy', short} end
redis.call('ZADD', KEYS[1], now + slot_ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], slot_ttl)
if probe then
  redis.call('HSET', KEYS[2], 'state', 'half_open', 'probe_until', now + probe_ttl)
  return {'probe', 0}
end
return {'ok', 0}
"""

_RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[1])
  return {'closed', 0}
end
local threshold, base, cap, keep = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[5])
redis.call('PEXPIRE', KEYS[1], keep)
if state == 'open' then
  local reopen = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
  return {'open', math.max(reopen - now, 0)}
end
if state ~= 'half_open' and failures < threshold then return {'closed', 0} end
local trips = redis.call('HINCRBY', KEYS[1], 'trips', 1)
local cooldown = math.floor(math.min(base * 2 ^ (trips - 1), cap))
local why
if state == 'half_open' then why = 'probe failed: ' .. ARGV[5]
else why = failures .. ' consecutive failed attempts, last: ' .. ARGV[5] end
redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', now + cooldown, 'reason', why, 'opened_at', now)
redis.call('HDEL', KEYS[1], 'probe_until')
return {'opened', cooldown}
"""


def endpoint_key(url: str) -> str:
    """A short Redis key for a URL (never the URL itself: it may carry a token in its query)."""
    return _PREFIX + hashlib.sha256(url.encode()).hexdigest()[:32]


def is_failure(outcome: Outcome) -> bool:
    """Whether an attempt says the endpoint is unhealthy: network trouble, timeouts, 408/425/429 and 5xx.

    Other 4xx, 3xx and 410 prove the endpoint is up (the problem is the request), so they count as healthy.
    A request that could not even be built ("protocol" before sending) says nothing about the endpoint.
    """
    if outcome.kind is OutcomeKind.RETRYABLE:
        return True
    return outcome.kind is OutcomeKind.PERMANENT and outcome.status_code is None and outcome.error_kind != "protocol"


def cooldown(trips: int, base: float, cap: float) -> float:
    """Seconds an endpoint stays open after its ``trips``-th trip in a row (mirrors the Lua script)."""
    return min(base * 2.0 ** max(trips - 1, 0), cap)


def describe(outcome: Outcome) -> str:
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}"
    return f"{outcome.error_kind}: {outcome.error}"


@dataclass
class Gate:
    """Admission of one delivery task: ``wait`` set means park the run that long, no attempt made."""

    wait: float | None = None
    reason: str = ""
    probe: bool = False
    release: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True)
class Circuit:
    """What GET /endpoints shows about an endpoint's health."""

    state: str  # closed | open | half_open
    failures: int = 0
    open_until: datetime | None = None
    reason: str | None = None
    last_error: str | None = None
    in_flight: int = 0


class EndpointHealth:
    """The per-endpoint concurrency limit and circuit breaker (settings: LETITGO_ENDPOINT_CONCURRENCY, ...)."""

    def __init__(self, url: str, settings: Any) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)
        self._admit = self._redis.register_script(_ADMIT)
        self._record = self._redis.register_script(_RECORD)
        self.limit = settings.endpoint_concurrency
        self.threshold = settings.breaker_threshold
        self.base = settings.breaker_cooldown
        self.cap = max(settings.breaker_cooldown_max, settings.breaker_cooldown)
        # A slot (and a probe) is held for one delivery task at most; past that its worker is presumed dead.
        self.slot_seconds = settings.inline_budget + settings.attempt_deadline

    def admit(self, url: str) -> Gate:
        """Take a concurrency slot and pass the circuit, or say how long to wait."""
        key, token = endpoint_key(url), secrets.token_hex(8)
        args = [self.limit, int(self.slot_seconds * 1000), token, int(self.slot_seconds * 1000), int(SHORT_WAIT * 1000)]
        try:
            verdict, wait_ms = self._admit(keys=[key + ":slots", key + ":circuit"], args=args)
        except redis.RedisError as exc:
            log.warning("endpoint guard unavailable (%s): delivering without limits", type(exc).__name__)
            return Gate()
        verdict = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
        if verdict in ("ok", "probe"):
            return Gate(probe=verdict == "probe", release=lambda: self._release(key + ":slots", token))
        return Gate(wait=_jitter(int(wait_ms) / 1000), reason=_WAIT_REASONS[verdict])

    def _release(self, slots: str, token: str) -> None:
        try:
            self._redis.zrem(slots, token)
        except redis.RedisError:
            pass  # the slot expires on its own

    def record(self, url: str, outcome: Outcome) -> float | None:
        """Count one attempt's outcome; return seconds until the circuit lets deliveries through, if open."""
        failed = is_failure(outcome)
        args = [
            int(failed),
            self.threshold,
            int(self.base * 1000),
            int(self.cap * 1000),
            describe(outcome)[:200],
            int(max(2 * self.cap, 86400) * 1000),
        ]
        try:
            state, wait_ms = self._record(keys=[endpoint_key(url) + ":circuit"], args=args)
        except redis.RedisError as exc:
            log.warning("endpoint guard unavailable (%s): attempt not counted", type(exc).__name__)
            return None
        state = state.decode() if isinstance(state, bytes) else str(state)
        if state == "opened":
            log.warning("circuit opened for %s for %.0f s", endpoint_key(url)[-12:], int(wait_ms) / 1000)
        return int(wait_ms) / 1000 if state in ("open", "opened") else None

    def circuit(self, url: str) -> Circuit:
        """The endpoint's circuit and current number of deliveries in flight."""
        key = endpoint_key(url)
        now = datetime.now(UTC)
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(key + ":circuit")
        pipe.zcount(key + ":slots", now.timestamp() * 1000, "+inf")
        raw, in_flight = pipe.execute()
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        return _circuit(fields, int(in_flight), now)

    def reset(self, url: str) -> None:
        """Close the circuit (an operator re-enabled or re-verified the endpoint)."""
        self._redis.delete(endpoint_key(url) + ":circuit")


_WAIT_REASONS = {
    "open": "endpoint circuit open",
    "probing": "endpoint circuit half-open: waiting for the probe",
    "busy": "endpoint concurrency limit reached",
}


def _jitter(seconds: float) -> float:
    """Spread parked runs a little so they do not all come back in the same instant."""
    return seconds + random.uniform(0, 0.2 * max(seconds, 0.5))


def _circuit(fields: dict[str, str], in_flight: int, now: datetime) -> Circuit:
    state = fields.get("state", "closed")
    reopen = datetime.fromtimestamp(int(fields["open_until"]) / 1000, UTC) if "open_until" in fields else None
    if state == "open" and reopen is not None and reopen <= now:
        state = "half_open"  # the next delivery is the probe
    return Circuit(
        state=state,
        failures=int(fields.get("failures", 0)),
        open_until=reopen if state == "open" else None,
        reason=fields.get("reason") if state != "closed" else None,
        last_error=fields.get("last_error"),
        in_flight=in_flight,
    )
