"""Stop each backing service mid-flow for a few seconds, start it again, and count what the receiver got."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import Scenario
from tests.faults.harness import services

pytestmark = pytest.mark.faults

DOWN_SECONDS = 3.0


def _outage(scenario: Scenario, service: str) -> None:
    scenario.load()
    scenario.wait_first_deliveries()
    scenario.mark_fault()
    t0 = time.monotonic()
    services("stop", service)
    time.sleep(DOWN_SECONDS)
    services("start", service)
    print(f"\n{service} down for {time.monotonic() - t0:.1f}s (stop, {DOWN_SECONDS:.0f}s, start until ready)")
    scenario.finish()


def test_kafka_restarted_mid_flow(restore_services: None, scenario: Scenario) -> None:
    _outage(scenario, "kafka")


def test_ferretdb_restarted_mid_flow(restore_services: None, scenario: Scenario) -> None:
    _outage(scenario, "ferretdb")


def test_redis_restarted_mid_flow(restore_services: None, scenario: Scenario) -> None:
    """Redis keeps nothing: Celery's queues, the run locks and the delivered marks are gone."""
    _outage(scenario, "redis")
