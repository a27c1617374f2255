"""Fault tests: every test gets its own stack, database, topic and consumer group, and a slow receiver."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pymongo
import pytest
import redis

from tests.conftest import ADDRESSES, RUN_TAG, TEST_ENV, require_service
from tests.faults.harness import (
    FAULT_ENV,
    Audit,
    Auditor,
    FaultStack,
    Workload,
    claim_redis_db,
    create_workload,
    release_redis_db,
    services,
    wait_until,
)
from tests.faults.receiver import SlowReceiver


@dataclass
class Scenario:
    """One fault test's world: the stack, its settings, the receiver, and the audit at the end."""

    name: str
    stack: FaultStack
    env: dict[str, str]
    receiver: SlowReceiver
    workload: Workload | None = None
    auditor: Auditor | None = None
    fault_at: float | None = None  # wall clock of the fault

    def load(self, **kwargs: object) -> Workload:
        self.workload = create_workload(self.stack.api, self.receiver, **kwargs)  # type: ignore[arg-type]
        self.auditor = Auditor(self.stack.api, self.env["MONGODB_URI"], self.workload, self.receiver)
        return self.workload

    def wait_first_deliveries(self, count: int = 20, timeout: float = 30) -> None:
        assert wait_until(lambda: len(self.receiver.snapshot()) >= count, timeout, 0.05), "nothing was delivered"

    def mark_fault(self) -> None:
        self.fault_at = time.time()

    def finish(self, settle_timeout: float = 60) -> Audit:
        """Wait until every occurrence is finished (or the timeout), audit, print the counts, assert."""
        assert self.auditor is not None and self.workload is not None
        assert self.workload.last_due is not None
        until_due = max(0.0, self.workload.last_due.timestamp() - time.time())
        settled = self.auditor.wait_settled(until_due + settle_timeout)
        audit = self.auditor.audit(self.name, self.fault_at)
        dead = [n for n, alive in self.stack.alive().items() if not alive]
        if dead:
            audit.problems.append(f"processes not running at the end: {dead}")
        print(f"\n{audit.summary()} settled {settled:.1f}s after the fault phase")
        audit.check()
        return audit


@pytest.fixture()
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    for name, address in ADDRESSES.items():
        require_service(name, address)
    tag = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    redis_db = claim_redis_db(f"{RUN_TAG}-{tag}")
    env = {
        **TEST_ENV,
        **FAULT_ENV,
        "MONGODB_URI": TEST_ENV["MONGODB_URI"].rsplit("/", 1)[0] + f"/letitgo_faults_{RUN_TAG}_{tag}",
        "REDIS_DB": redis_db,
        "LETITGO_KAFKA_TOPIC": f"letitgo.faults.{RUN_TAG}.{tag}",
        "LETITGO_KAFKA_GROUP": f"letitgo-faults-{RUN_TAG}-{tag}",
    }
    stack = FaultStack(env=env, workdir=tmp_path_factory.mktemp(f"faults-{tag}"))
    receiver = SlowReceiver(secret_key=TEST_ENV["WEBHOOK_SECRET_KEY"], delay=0.5).start()
    s = Scenario(tag, stack, env, receiver)
    try:
        stack.start("web", "beat", "bridge", "worker")
        stack.wait_ready()
        stack.wait_workers()
        yield s
    finally:
        stack.stop()
        receiver.stop()
        if s.auditor is not None:
            s.auditor.close()
        cleanup(env["MONGODB_URI"], redis_db, f"{RUN_TAG}-{tag}")


def cleanup(mongodb_uri: str, redis_db: str, owner: str) -> None:
    """Drop the test's database and empty its Redis database; a service a failed test left down is skipped."""
    try:
        client = pymongo.MongoClient(mongodb_uri, serverSelectionTimeoutMS=3000)
        client.drop_database(client.get_database().name)
        client.close()
    except pymongo.errors.PyMongoError:
        pass
    try:
        release_redis_db(redis_db, owner)
    except redis.RedisError:
        pass


@pytest.fixture()
def restore_services() -> Iterator[None]:
    """Whatever a test did to Redis, Kafka or FerretDB, they are running again afterwards."""
    try:
        yield
    finally:
        services("start", "redis", "kafka", "ferretdb")


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Show the processes' logs under a failing fault test."""
    if call.when == "call" and call.excinfo is not None and "scenario" in getattr(item, "funcargs", {}):
        item.add_report_section("call", "letitgo logs", item.funcargs["scenario"].stack.logs(tail=80))


__all__ = ["Scenario"]
