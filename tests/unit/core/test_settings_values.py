"""Values a user gets wrong in the environment: named at start, never crashing later or leaking a secret."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from kombu.utils.url import url_to_parts

from letitgo.errors import ConfigError
from letitgo.settings import from_env

ROOT = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(bytes(range(32))).decode()
BASE = {"PAYLOAD_ENCRYPTION_KEY": KEY, "WEBHOOK_SECRET_KEY": "s" * 20}


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("LETITGO_POLL_INTERVAL", "nan"),
        ("LETITGO_LOOKAHEAD", "inf"),
        ("LETITGO_ATTEMPT_DEADLINE", "-inf"),
        ("LETITGO_PORT", "70000"),
        ("LETITGO_PORT", "abc"),
        ("MONGODB_URI", "foo"),
        ("MONGODB_URI", "127.0.0.1:27017"),
        ("REDIS_ADDRESS", "redis://127.0.0.1:6379"),
        ("REDIS_ADDRESS", "127.0.0.1"),
        ("REDIS_ADDRESS", "127.0.0.1:99999"),
        ("REDIS_ADDRESS", ":pw@127.0.0.1:6379"),
    ],
)
def test_a_malformed_value_is_named_in_one_line(var: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env({**BASE, var: value})
    message = str(caught.value)
    assert message.startswith(f"{var} is malformed: ") and "\n" not in message


@pytest.mark.parametrize("address", ["127.0.0.1:6379", "redis.internal:6380", "[::1]:6379"])
def test_host_port_addresses_are_accepted(address: str) -> None:
    assert from_env({**BASE, "REDIS_ADDRESS": address}).redis_address == address


@pytest.mark.parametrize("password", ["S3cr#t/p@ss:word", "a b?c&d=e%f", "pw"])
def test_a_redis_password_with_url_characters_reaches_redis_whole(password: str) -> None:
    url = from_env({**BASE, "REDIS_PASSWORD": password, "REDIS_ADDRESS": "10.1.2.3:6380"}).redis_url
    kwargs = redis.ConnectionPool.from_url(url).connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["password"]) == ("10.1.2.3", 6380, password)
    parts = url_to_parts(url)  # what Celery's broker reads
    assert (parts.hostname, parts.port, parts.password) == ("10.1.2.3", 6380, password)


def test_the_env_file_of_the_working_directory_is_read(tmp_path: Path) -> None:
    """As for an installed package run from a deployment folder: the program is a file (not ``-c``) and
    neither it nor the package lives under the folder holding ``.env``."""
    work, bin_dir = tmp_path / "work", tmp_path / "bin"
    work.mkdir()
    bin_dir.mkdir()
    (work / ".env").write_text(
        f"PAYLOAD_ENCRYPTION_KEY={KEY}\nWEBHOOK_SECRET_KEY={'w' * 20}\nLETITGO_KAFKA_TOPIC=from-the-cwd-env\n"
    )
    (bin_dir / "probe.py").write_text("from letitgo.settings import get_settings\nprint(get_settings().kafka_topic)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PAYLOAD_ENCRYPTION_KEY", "WEBHOOK_SECRET_KEY")}
    env.pop("LETITGO_KAFKA_TOPIC", None)
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(bin_dir / "probe.py")], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "from-the-cwd-env"
