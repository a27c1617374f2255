"""Endpoint health on the real Redis: the concurrency semaphore and the circuit breaker."""

from __future__ import annotations

import secrets
import threading
import time
from types import SimpleNamespace

from letitgo.breaker import EndpointHealth
from letitgo.delivery.http import Outcome, OutcomeKind
from letitgo.settings import get_settings

FAIL = Outcome(OutcomeKind.RETRYABLE, 503, 1.0, "http_status", "HTTP 503 Service Unavailable")
REFUSED = Outcome(OutcomeKind.RETRYABLE, None, 1.0, "connect", "connection refused")
OK = Outcome(OutcomeKind.DELIVERED, 200, 1.0)
NOT_FOUND = Outcome(OutcomeKind.PERMANENT, 404, 1.0, "http_status", "HTTP 404 Not Found")


def _health(concurrency: int = 2, threshold: int = 3, cooldown: float = 0.3, cap: float = 0.5, slot: float = 5.0):
    settings = SimpleNamespace(
        endpoint_concurrency=concurrency,
        breaker_threshold=threshold,
        breaker_cooldown=cooldown,
        breaker_cooldown_max=cap,
        inline_budget=slot,
        attempt_deadline=0.0,
    )
    return EndpointHealth(get_settings().redis_url, settings)


def _url() -> str:
    return f"http://127.0.0.1:9/{secrets.token_hex(6)}"


def test_concurrency_limit_counts_slots_across_callers(redis_service: str) -> None:
    health, url = _health(concurrency=2), _url()
    first, second = health.admit(url), health.admit(url)
    assert first.wait is None and second.wait is None
    third = health.admit(url)
    assert third.wait is not None and 1.0 <= third.wait <= 1.25 and "concurrency" in third.reason
    assert health.admit(_url()).wait is None, "another endpoint has its own slots"
    assert health.circuit(url).in_flight == 2
    first.release()
    assert health.admit(url).wait is None


def test_concurrent_admissions_never_exceed_the_limit(redis_service: str) -> None:
    health, url = _health(concurrency=3), _url()
    admitted: list[object] = []
    barrier = threading.Barrier(12)

    def worker() -> None:
        barrier.wait()
        gate = health.admit(url)
        if gate.wait is None:
            admitted.append(gate)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 3


def test_a_slot_of_a_crashed_worker_expires(redis_service: str) -> None:
    health, url = _health(concurrency=1, slot=0.3), _url()
    assert health.admit(url).wait is None  # never released: its worker "died"
    assert health.admit(url).wait is not None
    time.sleep(0.35)
    assert health.admit(url).wait is None


def test_circuit_opens_after_consecutive_failures_and_probes_back(redis_service: str) -> None:
    health, url = _health(threshold=3, cooldown=0.3, cap=0.5), _url()
    assert health.record(url, FAIL) is None
    assert health.record(url, OK) is None  # a success resets the count
    assert [health.record(url, REFUSED) for _ in range(2)] == [None, None]
    opened = health.record(url, FAIL)
    assert opened is not None and 0.25 <= opened <= 0.3
    circuit = health.circuit(url)
    assert circuit.state == "open" and circuit.open_until is not None
    assert circuit.reason == "3 consecutive failed attempts, last: HTTP 503"
    held = health.admit(url)
    assert held.wait is not None and held.reason == "endpoint circuit open"
    assert health.admit(_url()).wait is None, "other endpoints are unaffected"

    time.sleep(0.32)
    assert health.circuit(url).state == "half_open"
    probe = health.admit(url)
    assert probe.wait is None and probe.probe
    waiting = health.admit(url)
    assert waiting.wait is not None and "probe" in waiting.reason, "only one probe at a time"
    reopened = health.record(url, REFUSED)
    assert reopened is not None and 0.45 <= reopened <= 0.5, "cooldown doubles, up to the cap"
    probe.release()
    assert health.circuit(url).reason == "probe failed: connect: connection refused"

    time.sleep(0.52)
    probe = health.admit(url)
    assert probe.probe
    assert health.record(url, OK) is None
    assert health.circuit(url).state == "closed" and health.circuit(url).failures == 0
    assert not health.admit(url).probe


def test_client_errors_prove_the_endpoint_is_up(redis_service: str) -> None:
    health, url = _health(threshold=2), _url()
    health.record(url, FAIL)
    health.record(url, NOT_FOUND)
    assert health.record(url, FAIL) is None, "404 reset the consecutive count"


def test_reset_closes_the_circuit(redis_service: str) -> None:
    health, url = _health(threshold=1, cooldown=60, cap=60), _url()
    assert health.record(url, FAIL) == 60
    health.reset(url)
    assert health.admit(url).wait is None and health.circuit(url).state == "closed"


def test_fails_open_when_redis_is_unreachable() -> None:
    settings = SimpleNamespace(
        endpoint_concurrency=1,
        breaker_threshold=1,
        breaker_cooldown=1.0,
        breaker_cooldown_max=1.0,
        inline_budget=1.0,
        attempt_deadline=1.0,
    )
    health = EndpointHealth("redis://127.0.0.1:1/0", settings)
    gate = health.admit(_url())
    assert gate.wait is None
    gate.release()
    assert health.record(_url(), FAIL) is None
