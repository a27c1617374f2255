"""kill -9 each LetItGo process mid-flow, start it again, and count what the receiver got."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import Scenario
from tests.faults.harness import kafka_lag, redis_client, wait_until

pytestmark = pytest.mark.faults


def test_worker_killed_mid_request(scenario: Scenario) -> None:
    scenario.load()
    scenario.wait_first_deliveries()
    assert wait_until(lambda: scenario.receiver.in_flight >= 5, 20), "no requests in flight"
    in_flight = scenario.receiver.in_flight
    scenario.stack.kill("worker")
    scenario.mark_fault()
    time.sleep(2)
    took = scenario.stack.restart("worker")
    print(f"\nworker killed with {in_flight} requests in flight; back in {took:.1f}s")
    scenario.finish()


def test_bridge_killed_mid_batch(scenario: Scenario) -> None:
    """Killed while it enqueues a batch: some tasks are in Celery, the batch's offsets are not committed."""
    scenario.load()
    scenario.wait_first_deliveries()
    r = redis_client(scenario.env["REDIS_DB"])

    def queued() -> int:
        return int(r.llen("deliveries")) + int(r.hlen("unacked"))

    history: list[int] = []

    def enqueuing() -> bool:
        history.append(queued())
        return len(history) > 10 and history[-1] - history[-10] >= 3

    assert wait_until(enqueuing, 20, 0.002), "the bridge never enqueued a batch"
    scenario.stack.kill("bridge")
    scenario.mark_fault()
    env = scenario.env
    lag = kafka_lag(env["KAFKA_BROKER"], env["LETITGO_KAFKA_TOPIC"], env["LETITGO_KAFKA_GROUP"], 6)
    time.sleep(1)
    took = scenario.stack.restart("bridge")
    print(f"\nbridge killed mid-batch ({lag} messages uncommitted); back in {took:.1f}s")
    scenario.finish()


def test_beat_killed_mid_poll(scenario: Scenario) -> None:
    scenario.load()
    scenario.wait_first_deliveries()
    assert wait_until(scenario.auditor.claimed_schedule, 20), "no poll caught claiming"  # type: ignore[union-attr]
    scenario.stack.kill("beat")
    scenario.mark_fault()
    time.sleep(2)
    took = scenario.stack.restart("beat")
    print(f"\nbeat killed during a poll; back in {took:.1f}s")
    scenario.finish()


def test_bridge_killed_while_it_runs_a_poll(scenario: Scenario) -> None:
    """The poll runs in the bridge worker: killed between claiming schedules and advancing them."""
    scenario.load()
    scenario.wait_first_deliveries()
    auditor = scenario.auditor
    assert auditor is not None
    assert wait_until(auditor.claimed_schedule, 20), "no poll caught claiming"
    scenario.stack.kill("bridge")
    scenario.mark_fault()
    left = auditor.db.schedules.count_documents({"claim_token": {"$nin": [None]}})
    time.sleep(1)
    took = scenario.stack.restart("bridge")
    print(f"\nbridge killed mid-poll ({left} schedules left claimed); back in {took:.1f}s")
    scenario.finish()


def test_two_beats_for_the_whole_test(scenario: Scenario) -> None:
    scenario.stack.restart("beat2")
    scenario.load()
    scenario.finish()
    assert scenario.stack.alive() == dict.fromkeys(scenario.stack.procs, True)
