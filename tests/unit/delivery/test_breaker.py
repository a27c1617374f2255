"""The breaker's pure rules: what counts as an endpoint failure, cooldown doubling, what GET /endpoints shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from letitgo.breaker import _circuit, cooldown, endpoint_key, is_failure
from letitgo.delivery.http import Outcome, OutcomeKind


@pytest.mark.parametrize(
    ("kind", "status", "error_kind", "failed"),
    [
        (OutcomeKind.RETRYABLE, 503, "http_status", True),
        (OutcomeKind.RETRYABLE, 429, "http_status", True),
        (OutcomeKind.RETRYABLE, None, "connect", True),
        (OutcomeKind.RETRYABLE, None, "deadline", True),
        (OutcomeKind.PERMANENT, None, "blocked", True),
        (OutcomeKind.PERMANENT, None, "protocol", False),
        (OutcomeKind.PERMANENT, 404, "http_status", False),
        (OutcomeKind.PERMANENT, 301, "redirect", False),
        (OutcomeKind.GONE, 410, "http_status", False),
        (OutcomeKind.DELIVERED, 200, None, False),
    ],
)
def test_what_counts_as_an_endpoint_failure(
    kind: OutcomeKind, status: int | None, error_kind: str, failed: bool
) -> None:
    assert is_failure(Outcome(kind, status, 1.0, error_kind, "x")) is failed


def test_cooldown_doubles_per_trip_up_to_the_cap() -> None:
    assert [cooldown(t, 60, 3600) for t in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert cooldown(0, 60, 3600) == 60


def test_keys_never_contain_the_url() -> None:
    url = "https://hooks.example/in?token=s3cr3t"
    key = endpoint_key(url)
    assert "s3cr3t" not in key and "example" not in key
    assert key == endpoint_key(url) and key != endpoint_key(url + "x")


def test_circuit_as_shown() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later = int((now + timedelta(seconds=30)).timestamp() * 1000)
    earlier = int((now - timedelta(seconds=1)).timestamp() * 1000)
    assert _circuit({}, 0, now).state == "closed"
    opened = _circuit({"state": "open", "open_until": str(later), "reason": "r", "failures": "10"}, 3, now)
    assert (opened.state, opened.reason, opened.failures, opened.in_flight) == ("open", "r", 10, 3)
    assert opened.open_until == now + timedelta(seconds=30)
    due = _circuit({"state": "open", "open_until": str(earlier), "reason": "r"}, 0, now)
    assert due.state == "half_open" and due.open_until is None and due.reason == "r"
    counting = _circuit({"failures": "4", "last_error": "HTTP 503"}, 0, now)
    assert counting.state == "closed" and counting.reason is None and counting.failures == 4
