"""The one settings object, built once from the environment (and a `.env` file).

The Go project's variable names are read as they are; new ones carry the `LETITGO_` prefix.
A missing or malformed value raises ConfigError naming the variable.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from letitgo.errors import ConfigError

ENVIRONMENTS = ("development", "test", "production")


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return value


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None


def _positive_float(raw: str) -> float:
    value = _float(raw)
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _positive_int(raw: str) -> int:
    value = _int(raw)
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _non_negative_int(raw: str) -> int:
    value = _int(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _port(raw: str) -> int:
    value = _int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return value


_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")


def _host_port(raw: str) -> str:
    """``host:port`` as the Go project writes it (no scheme, no password: those have their own variables)."""
    value = raw.strip()
    match = _HOST_PORT.fullmatch(value)
    if match is None or not 1 <= int(match.group(1)) <= 65535:
        raise ValueError(f"expected host:port like 127.0.0.1:6379, got {raw!r}")
    return value


def _bind_host(raw: str) -> str:
    value = raw.strip()
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", value):
            raise ValueError(f"expected an address to listen on like 127.0.0.1 or 0.0.0.0, got {raw!r}") from None
    return value


def _mongodb_uri(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("mongodb://", "mongodb+srv://")):
        raise ValueError("expected a URI starting with mongodb:// or mongodb+srv://")
    return value


def _environment(raw: str) -> str:
    value = raw.strip().lower() or "development"
    if value not in ENVIRONMENTS:
        raise ValueError(f"must be one of {', '.join(ENVIRONMENTS)}")
    return value


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts)


def decode_key(raw: str) -> bytes:
    """A 32-byte key: 64 hex digits, base64 (standard or URL-safe) of 32 bytes, or 32 plain characters.

    The last form is what the Go project documents ("your-32-character-aes-key"); it is accepted as it is.
    """
    text = raw.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    decoded = _b64(text)
    if decoded is not None and len(decoded) == 32:
        return decoded
    if len(text.encode()) == 32:
        return text.encode()
    raise ValueError("expected 32 bytes: 64 hex digits, base64 of 32 bytes, or exactly 32 characters")


def _b64(text: str) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    for altchars in (None, b"-_"):
        try:
            return base64.b64decode(padded, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
    return None


def _keyring(raw: str) -> tuple[tuple[str, bytes], ...]:
    """Parse `kid:key,kid:key`; the first entry encrypts, all of them decrypt."""
    ring = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        kid, sep, key = part.partition(":")
        if not sep or not kid:
            raise ValueError("expected a comma-separated list of key_id:key")
        ring.append((kid.strip(), decode_key(key)))
    return tuple(ring)


def _secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("must be at least 16 characters")
    return raw


def _cidr_list(raw: str) -> Any:
    return _networks(raw)


# (attribute, environment variable, default or None when required, parser)
SPEC: tuple[tuple[str, str, str | None, Callable[[str], Any]], ...] = (
    ("environment", "ENVIRONMENT", "development", _environment),
    ("mongodb_uri", "MONGODB_URI", "mongodb://127.0.0.1:27017/letitgo", _mongodb_uri),
    ("redis_address", "REDIS_ADDRESS", "127.0.0.1:6379", _host_port),
    ("redis_password", "REDIS_PASSWORD", "", str),
    ("redis_db", "REDIS_DB", "0", _non_negative_int),
    ("kafka_broker", "KAFKA_BROKER", "127.0.0.1:9092", str),
    ("payload_encryption_key", "PAYLOAD_ENCRYPTION_KEY", None, decode_key),
    ("webhook_secret_key", "WEBHOOK_SECRET_KEY", None, _secret),
    ("llm_api_url", "LLM_API_URL", "", str),
    ("llm_api_key", "LLM_API_KEY", "", str),
    ("llm_model", "LETITGO_LLM_MODEL", "gpt-4o-mini", str),
    ("old_payload_keys", "LETITGO_OLD_PAYLOAD_KEYS", "", _keyring),
    ("payload_key_id", "LETITGO_PAYLOAD_KEY_ID", "k1", str),
    ("port", "LETITGO_PORT", "8081", _port),
    ("host", "LETITGO_HOST", "0.0.0.0", _bind_host),
    ("web_workers", "LETITGO_WEB_WORKERS", "2", _positive_int),
    ("poll_interval", "LETITGO_POLL_INTERVAL", "1.0", _positive_float),
    ("lookahead", "LETITGO_LOOKAHEAD", "2.0", _positive_float),
    ("claim_batch", "LETITGO_CLAIM_BATCH", "500", _positive_int),
    ("lease_seconds", "LETITGO_LEASE_SECONDS", "30", _positive_float),
    ("kafka_topic", "LETITGO_KAFKA_TOPIC", "letitgo.runs", str),
    ("kafka_partitions", "LETITGO_KAFKA_PARTITIONS", "6", _positive_int),
    ("kafka_group", "LETITGO_KAFKA_GROUP", "letitgo-bridge", str),
    ("bridge_batch", "LETITGO_BRIDGE_BATCH", "500", _positive_int),
    ("require_verified", "LETITGO_REQUIRE_VERIFIED_ENDPOINTS", "true", _bool),
    ("ssrf_allow_networks", "LETITGO_SSRF_ALLOW_NETWORKS", "", _cidr_list),
    ("max_payload_bytes", "LETITGO_MAX_PAYLOAD_BYTES", "65536", _positive_int),
    ("connect_timeout", "LETITGO_CONNECT_TIMEOUT", "5", _positive_float),
    ("read_timeout", "LETITGO_READ_TIMEOUT", "10", _positive_float),
    ("attempt_deadline", "LETITGO_ATTEMPT_DEADLINE", "15", _positive_float),
    ("max_response_bytes", "LETITGO_MAX_RESPONSE_BYTES", "65536", _positive_int),
    ("max_attempts", "LETITGO_MAX_ATTEMPTS", "5", _positive_int),
    ("retry_base", "LETITGO_RETRY_BASE", "0.5", _positive_float),
    ("retry_cap", "LETITGO_RETRY_CAP", "3600", _positive_float),
    ("retry_max_age", "LETITGO_RETRY_MAX_AGE", "86400", _positive_float),
    ("inline_retry_max_wait", "LETITGO_INLINE_RETRY_MAX_WAIT", "5", _positive_float),
    ("history_days", "LETITGO_HISTORY_DAYS", "30", _positive_int),
    ("watchdog_seconds", "LETITGO_WATCHDOG_SECONDS", "60", _positive_float),
    ("endpoint_concurrency", "LETITGO_ENDPOINT_CONCURRENCY", "10", _positive_int),
    ("breaker_threshold", "LETITGO_BREAKER_THRESHOLD", "10", _positive_int),
    ("breaker_cooldown", "LETITGO_BREAKER_COOLDOWN", "60", _positive_float),
    ("breaker_cooldown_max", "LETITGO_BREAKER_COOLDOWN_MAX", "3600", _positive_float),
)


@dataclass(frozen=True)
class Settings:
    """Every setting LetItGo reads; see SPEC for names and defaults."""

    environment: str
    mongodb_uri: str
    redis_address: str
    redis_password: str = field(repr=False)
    redis_db: int
    kafka_broker: str
    payload_encryption_key: bytes = field(repr=False)
    webhook_secret_key: str = field(repr=False)
    llm_api_url: str
    llm_api_key: str = field(repr=False)
    llm_model: str
    old_payload_keys: tuple[tuple[str, bytes], ...] = field(repr=False)
    payload_key_id: str
    port: int
    host: str
    web_workers: int
    poll_interval: float
    lookahead: float
    claim_batch: int
    lease_seconds: float
    kafka_topic: str
    kafka_partitions: int
    kafka_group: str
    bridge_batch: int
    require_verified: bool
    ssrf_allow_networks: tuple[Any, ...]
    max_payload_bytes: int
    connect_timeout: float
    read_timeout: float
    attempt_deadline: float
    max_response_bytes: int
    max_attempts: int
    retry_base: float
    retry_cap: float
    retry_max_age: float
    inline_retry_max_wait: float
    history_days: int
    watchdog_seconds: float
    endpoint_concurrency: int
    breaker_threshold: int
    breaker_cooldown: float
    breaker_cooldown_max: float

    @property
    def inline_budget(self) -> float:
        """How long one delivery task may spend on attempts and in-place waits before it parks the run."""
        return 2 * (self.attempt_deadline + self.inline_retry_max_wait)

    @property
    def redis_url(self) -> str:
        """The Redis address as a redis:// URL (password never logged: see __repr__)."""
        # quoted: a password with @, /, # or : would otherwise be read as part of the address
        auth = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}{self.redis_address}/{self.redis_db}"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_api_url and self.llm_api_key)


def from_env(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from a mapping (default: os.environ); raise ConfigError naming the variable."""
    source = os.environ if env is None else env
    values: dict[str, Any] = {}
    for attr, var, default, parse in SPEC:
        raw = source.get(var)
        if raw is None or (raw == "" and default is not None):
            if default is None:
                raise ConfigError(f"{var} is required but not set")
            raw = default
        try:
            values[attr] = parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{var} is malformed: {exc}") from None
    names = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in names})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (loads `.env` from the working directory first)."""
    try:
        from dotenv import find_dotenv, load_dotenv

        # usecwd: the working directory's .env, not one found above wherever the package is installed
        load_dotenv(find_dotenv(usecwd=True), override=False)
    except ImportError:  # pragma: no cover - dotenv is a pinned dependency
        pass
    return from_env()
