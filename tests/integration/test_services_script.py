"""scripts/services.sh in a second checkout: servers it did not start are reused, never stopped or installed over.

Each test runs a copy of the script from a fresh folder (its own, empty ``.services/``), the situation of a
second clone on a machine whose services another checkout (or the Debian package) already runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    for name in ("services.sh", "kafka-pom.xml"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def run(
    checkout: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "services.sh"), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def foreign_redis():
    """A Redis nobody's services.sh started (like the one the Debian package starts)."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield port, client
    proc.kill()
    proc.wait()


def test_up_reuses_a_redis_it_did_not_start_instead_of_shutting_it_down(checkout, foreign_redis):
    port, client = foreign_redis
    client.set("kept", "1")
    done = run(checkout, "up", "redis", env={"LETITGO_REDIS_PORT": str(port)})
    assert done.returncode == 0, done.stderr
    assert "redis: reusing" in done.stdout
    assert client.ping() and client.get("kept") == b"1"
    status = run(checkout, "status", env={"LETITGO_REDIS_PORT": str(port)})
    assert "redis     foreign" in status.stdout
    down = run(checkout, "down", "redis", env={"LETITGO_REDIS_PORT": str(port)})
    assert down.returncode == 0, down.stderr
    assert client.ping()


def test_up_in_a_second_checkout_reuses_the_running_services_without_installing(checkout, services):
    t0 = time.monotonic()
    done = run(checkout, "up", "kafka", "ferretdb")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kafka: reusing" in done.stdout and "ferretdb: reusing" in done.stdout
    assert time.monotonic() - t0 < 30
    # nothing fetched or built into the second checkout
    assert not (checkout / ".services" / "kafka").exists()
    assert not (checkout / ".services" / "bin").exists()
    down = run(checkout, "down", "kafka", "ferretdb")
    assert down.returncode == 0, down.stderr
    for address in (services["kafka"], services["mongodb"]):
        host, _, port = address.rpartition(":")
        socket.create_connection((host, int(port)), timeout=2).close()
