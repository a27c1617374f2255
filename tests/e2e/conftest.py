"""The whole product running: real services, real processes, a real receiver on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
import redis
import requests

from tests.conftest import RUN_TAG, TEST_ENV
from tests.e2e.receiver import Receiver
from tests.e2e.stack import Stack

E2E_ENV = {
    "LETITGO_POLL_INTERVAL": "0.5",
    "LETITGO_RETRY_BASE": "0.3",
    "LETITGO_CONNECT_TIMEOUT": "2",
    "LETITGO_READ_TIMEOUT": "3",
    "LETITGO_ATTEMPT_DEADLINE": "4",
    "LETITGO_BREAKER_THRESHOLD": "5",
    "LETITGO_BREAKER_COOLDOWN": "2",
    "LETITGO_BREAKER_COOLDOWN_MAX": "4",
    # The stack runs for the whole session, beside the integration tests: its poll, bridge and worker must
    # never see their database, Redis keys (poll lock, breakers, Celery queues) or topic, or they claim and
    # deliver what those tests set up and the tests fail at random.
    "MONGODB_URI": TEST_ENV["MONGODB_URI"].rsplit("/", 1)[0] + f"/letitgo_e2e_{RUN_TAG}",
    "REDIS_DB": os.environ.get("LETITGO_E2E_REDIS_DB", "5"),
    "LETITGO_KAFKA_TOPIC": f"letitgo.e2e.{RUN_TAG}",
    "LETITGO_KAFKA_GROUP": f"letitgo-e2e-{RUN_TAG}",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from tests.conftest import ADDRESSES, require_service

    for name, address in ADDRESSES.items():
        require_service(name, address)
    redis.Redis.from_url(f"redis://{TEST_ENV['REDIS_ADDRESS']}/{E2E_ENV['REDIS_DB']}").flushdb()
    s = Stack(env={**TEST_ENV, **E2E_ENV}, workdir=tmp_path_factory.mktemp("stack"))
    s.start()
    try:
        s.wait_ready()
        s.wait_workers()
        yield s
    finally:
        s.stop()
        with pymongo.MongoClient(E2E_ENV["MONGODB_URI"], directConnection=True) as client:
            client.drop_database(f"letitgo_e2e_{RUN_TAG}")


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret_key=TEST_ENV["WEBHOOK_SECRET_KEY"]).start()
    yield r
    r.stop()


class Api:
    """A thin client of the public API."""

    def __init__(self, base: str) -> None:
        self.base = base

    def post(self, path: str, body: object) -> requests.Response:
        return requests.post(self.base + path, json=body, timeout=15)

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, timeout=15)

    def delete(self, path: str) -> requests.Response:
        return requests.delete(self.base + path, timeout=15)

    def verify(self, url: str) -> dict:
        r = self.post("/webhook/verify", {"webhook_url": url})
        assert r.status_code == 200, r.text
        return r.json()

    def schedule(self, body: dict) -> dict:
        r = self.post("/schedule", body)
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture()
def api(stack: Stack) -> Api:
    return Api(stack.api)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Show the processes' logs under a failing end-to-end test."""
    if call.when == "call" and call.excinfo is not None and "stack" in getattr(item, "funcargs", {}):
        item.add_report_section("call", "letitgo logs", item.funcargs["stack"].logs())


__all__ = ["Api", "Path"]
