"""The settings object: Go names accepted, malformed values named."""

from __future__ import annotations

import base64

import pytest

from letitgo.errors import ConfigError
from letitgo.settings import decode_key, from_env

KEY = base64.b64encode(bytes(range(32))).decode()
BASE = {"PAYLOAD_ENCRYPTION_KEY": KEY, "WEBHOOK_SECRET_KEY": "s" * 20}


def test_go_variable_names_are_read_and_defaults_fill_the_rest() -> None:
    s = from_env(
        {
            **BASE,
            "MONGODB_URI": "mongodb://db:27017/x",
            "REDIS_ADDRESS": "r:6380",
            "REDIS_PASSWORD": "pw",
            "REDIS_DB": "2",
            "KAFKA_BROKER": "k:9092",
            "ENVIRONMENT": "production",
        }
    )
    assert (s.mongodb_uri, s.redis_address, s.redis_db, s.kafka_broker, s.environment) == (
        "mongodb://db:27017/x",
        "r:6380",
        2,
        "k:9092",
        "production",
    )
    assert s.redis_url == "redis://:pw@r:6380/2"
    assert s.port == 8081 and s.payload_encryption_key == bytes(range(32))


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WEBHOOK_SECRET_KEY": "s" * 20}, "PAYLOAD_ENCRYPTION_KEY is required"),
        ({"PAYLOAD_ENCRYPTION_KEY": KEY}, "WEBHOOK_SECRET_KEY is required"),
        ({**BASE, "PAYLOAD_ENCRYPTION_KEY": "dG9vLXNob3J0"}, "PAYLOAD_ENCRYPTION_KEY is malformed: expected 32 bytes"),
        ({**BASE, "REDIS_DB": "two"}, "REDIS_DB is malformed"),
        ({**BASE, "ENVIRONMENT": "staging"}, "ENVIRONMENT is malformed"),
        ({**BASE, "LETITGO_POLL_INTERVAL": "0"}, "LETITGO_POLL_INTERVAL is malformed"),
        ({**BASE, "LETITGO_SSRF_ALLOW_NETWORKS": "10.0.0.0/33"}, "LETITGO_SSRF_ALLOW_NETWORKS is malformed"),
        ({**BASE, "LETITGO_REQUIRE_VERIFIED_ENDPOINTS": "maybe"}, "LETITGO_REQUIRE_VERIFIED_ENDPOINTS is malformed"),
    ],
)
def test_a_missing_or_malformed_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        from_env(env)


def test_secrets_are_not_in_the_repr() -> None:
    s = from_env({**BASE, "REDIS_PASSWORD": "hunter2-redis", "LLM_API_KEY": "sk-secret-llm"})
    text = repr(s)
    for secret in (KEY, "s" * 20, "hunter2-redis", "sk-secret-llm"):
        assert secret not in text


def test_keys_are_accepted_as_hex_and_url_safe_base64() -> None:
    raw = bytes(range(200, 232))
    assert decode_key(raw.hex()) == raw
    assert decode_key(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw


def test_the_go_projects_32_character_key_is_accepted_as_it_is() -> None:
    assert decode_key("your-32-character-aes-key-here!!") == b"your-32-character-aes-key-here!!"


def test_a_uri_without_database_uses_letitgo() -> None:
    from letitgo.storage import database_name

    assert database_name("mongodb://localhost:27017") == "letitgo"
    assert database_name("mongodb://localhost:27017/other?w=1") == "other"
