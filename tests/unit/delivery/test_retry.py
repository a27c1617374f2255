"""Retry-After parsing and the backoff policy."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from letitgo.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class FixedRng:
    """uniform() always returns the low end, the high end, or the middle."""

    def __init__(self, where: float) -> None:
        self.where = where

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.where


LOW, HIGH = FixedRng(0.0), FixedRng(1.0)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Sun, 01 Mar 2026 12:02:00 GMT", 120.0),
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),
        ("Sun Mar  1 12:01:00 2026", 60.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        ("Sun, 01 Mar 2026 13:00:00 +0100", 0.0),
        ("Sun, 01 Mar 2026 14:00:00 +0100", 3600.0),
    ],
)
def test_parse_retry_after(value: str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    "value", [None, "", "   ", "soon", "1e3", "12 seconds", "Sun, 99 Foo 2026 12:00:00 GMT", "nan"]
)
def test_parse_retry_after_garbage(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_parse_retry_after_with_naive_or_other_zone_now() -> None:
    naive = datetime(2026, 3, 1, 12, 0, 0)
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:10 GMT", naive) == 10.0
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:10 GMT", paris) == 10.0


def test_backoff_doubles_from_base_and_stops_at_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=10.0)
    assert [policy.backoff(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.backoff(10_000) == 10.0
    with pytest.raises(ValueError):
        policy.backoff(0)


def test_equal_jitter_bounds() -> None:
    policy = RetryPolicy(base=1.0, cap=3600.0)
    assert policy.delay_for(4, rng=LOW) == 4.0
    assert policy.delay_for(4, rng=HIGH) == 8.0
    rng = random.Random(7)
    samples = [policy.delay_for(4, rng=rng) for _ in range(500)]
    assert all(4.0 <= s <= 8.0 for s in samples)
    assert max(samples) - min(samples) > 3.0  # really spread, not constant


def test_no_jitter_is_exact() -> None:
    policy = RetryPolicy(base=0.5, jitter=False)
    assert [policy.delay_for(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_retry_after_longer_than_backoff_is_honoured() -> None:
    policy = RetryPolicy(base=0.5, cap=3600.0)
    assert policy.delay_for(1, retry_after=120.0, rng=HIGH) == 120.0


def test_retry_after_never_earlier_than_backoff() -> None:
    policy = RetryPolicy(base=1.0, cap=3600.0)
    assert policy.delay_for(5, retry_after=0.0, rng=LOW) == 8.0
    assert policy.delay_for(5, retry_after=3.0, rng=HIGH) == 16.0


def test_retry_after_bounded_by_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=600.0)
    assert policy.delay_for(1, retry_after=86_400.0, rng=HIGH) == 600.0
    assert policy.delay_for(1, retry_after=float("inf"), rng=HIGH) == 0.5


def test_next_delay_until_attempts_exhausted() -> None:
    policy = RetryPolicy(max_attempts=3, base=1.0, jitter=False)
    assert policy.next_delay(1, None, NOW, NOW) == 1.0
    assert policy.next_delay(2, None, NOW, NOW + timedelta(seconds=1)) == 2.0
    assert policy.next_delay(3, None, NOW, NOW + timedelta(seconds=3)) is None


def test_next_delay_gives_up_past_max_age() -> None:
    policy = RetryPolicy(max_attempts=100, base=60.0, cap=3600.0, max_age=7200.0, jitter=False)
    first = NOW
    assert policy.next_delay(2, None, first, first + timedelta(seconds=7080)) == 120.0  # lands at 7200 s
    assert policy.next_delay(2, None, first, first + timedelta(seconds=7081)) is None
    assert policy.next_delay(1, 3600.0, first, first + timedelta(seconds=4000)) is None  # Retry-After too far


def test_next_delay_passes_retry_after_and_rng() -> None:
    policy = RetryPolicy(base=0.5)
    assert policy.next_delay(1, 30.0, NOW, NOW, rng=LOW) == 30.0
    assert policy.next_delay(2, None, NOW, NOW, rng=LOW) == 0.5


def test_from_settings() -> None:
    class S:
        max_attempts, retry_base, retry_cap, retry_max_age = 7, 2.0, 60.0, 600.0

    assert RetryPolicy.from_settings(S()) == RetryPolicy(max_attempts=7, base=2.0, cap=60.0, max_age=600.0)
