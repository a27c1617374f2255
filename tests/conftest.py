"""Test configuration: every run gets its own database, topic and Redis db, and fresh keys.

Tests that need a service connect to the real server started by scripts/services.sh; when it is not
reachable they fail with a message saying so (they never skip).
"""

from __future__ import annotations

import base64
import os
import secrets
import socket

import pytest

RUN_TAG = secrets.token_hex(4)

TEST_ENV = {
    "ENVIRONMENT": "test",
    "MONGODB_URI": f"mongodb://127.0.0.1:{os.environ.get('LETITGO_FERRETDB_PORT', '27017')}/letitgo_test_{RUN_TAG}",
    "REDIS_ADDRESS": f"127.0.0.1:{os.environ.get('LETITGO_REDIS_PORT', '6379')}",
    "REDIS_PASSWORD": "",
    "REDIS_DB": "3",
    "KAFKA_BROKER": f"127.0.0.1:{os.environ.get('LETITGO_KAFKA_PORT', '9092')}",
    "PAYLOAD_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
    "WEBHOOK_SECRET_KEY": secrets.token_urlsafe(24),
    "LLM_API_URL": "",
    "LLM_API_KEY": "",
    "LETITGO_KAFKA_TOPIC": f"letitgo.test.{RUN_TAG}",
    "LETITGO_KAFKA_GROUP": f"letitgo-test-{RUN_TAG}",
    "LETITGO_SSRF_ALLOW_NETWORKS": "127.0.0.0/8",
    "LETITGO_REQUIRE_VERIFIED_ENDPOINTS": "true",
}
os.environ.update(TEST_ENV)


def _reachable(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, address: str) -> None:
    """Fail (never skip) when a real service the test needs is not there."""
    if not _reachable(address):
        pytest.fail(f"{name} is not reachable at {address}: start it with `bash scripts/services.sh up`", pytrace=False)


ADDRESSES = {
    "mongodb": TEST_ENV["MONGODB_URI"].split("//")[1].split("/")[0],
    "redis": TEST_ENV["REDIS_ADDRESS"],
    "kafka": TEST_ENV["KAFKA_BROKER"],
}


@pytest.fixture()
def mongodb_service() -> str:
    require_service("mongodb", ADDRESSES["mongodb"])
    return ADDRESSES["mongodb"]


@pytest.fixture()
def redis_service() -> str:
    require_service("redis", ADDRESSES["redis"])
    return ADDRESSES["redis"]


@pytest.fixture()
def kafka_service() -> str:
    require_service("kafka", ADDRESSES["kafka"])
    return ADDRESSES["kafka"]


@pytest.fixture()
def services() -> dict[str, str]:
    """The addresses of the real MongoDB-wire server, Redis and Kafka, checked reachable."""
    for name, address in ADDRESSES.items():
        require_service(name, address)
    return dict(ADDRESSES)
