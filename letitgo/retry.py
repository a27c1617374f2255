"""When to try a failed delivery again, and when to give up.

Backoff is exponential, ``base * 2**(attempt - 1)`` capped at ``cap``, with *equal jitter*: the
delay is drawn uniformly from ``[d/2, d]``. Full jitter (``[0, d]``) spreads load slightly better
but can retry a struggling receiver almost at once; equal jitter still spreads a burst of failed
deliveries while keeping at least half of the backoff between two attempts.

A receiver's ``Retry-After`` is honoured within bounds: never sooner than our own backoff, never
later than ``cap``.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

_DELTA_SECONDS = re.compile(r"^[+-]?\d+(\.\d+)?$")
_MAX_EXPONENT = 62  # 2**62 * any sane base is far past any cap; keeps the float finite


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable.

    Negative values and dates in the past mean "now" (0). Naive datetimes are taken as UTC.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DELTA_SECONDS.match(text):
        return max(0.0, float(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    seconds = (_utc(when) - _utc(now)).total_seconds()
    return max(0.0, seconds)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and give-up rules for one run's delivery attempts."""

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 3600.0
    max_age: float = 86400.0
    jitter: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> RetryPolicy:
        """The policy configured by LETITGO_MAX_ATTEMPTS, _RETRY_BASE, _RETRY_CAP, _RETRY_MAX_AGE."""
        return cls(
            max_attempts=settings.max_attempts,
            base=settings.retry_base,
            cap=settings.retry_cap,
            max_age=settings.retry_max_age,
        )

    def backoff(self, attempt: int) -> float:
        """The un-jittered delay after failed attempt number ``attempt`` (1-based)."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        exponent = min(attempt - 1, _MAX_EXPONENT)
        return min(self.cap, self.base * 2.0**exponent)

    def delay_for(self, attempt: int, retry_after: float | None = None, rng: _Uniform = random) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based), honouring Retry-After."""
        ceiling = self.backoff(attempt)
        delay = rng.uniform(ceiling / 2, ceiling) if self.jitter else ceiling
        if retry_after is not None and math.isfinite(retry_after):
            delay = max(delay, retry_after)
        return min(delay, self.cap)

    def next_delay(
        self,
        attempt_number: int,
        outcome_retry_after: float | None,
        first_attempt_at: datetime,
        now: datetime,
        rng: _Uniform = random,
    ) -> float | None:
        """Seconds until the next attempt, or None to give up (attempts or max_age exhausted).

        attempt_number: how many attempts have been made, the failed one included.
        """
        if attempt_number >= self.max_attempts:
            return None
        delay = self.delay_for(attempt_number, outcome_retry_after, rng)
        age_at_retry = (_utc(now) - _utc(first_attempt_at)).total_seconds() + delay
        if age_at_retry > self.max_age:
            return None
        return delay
