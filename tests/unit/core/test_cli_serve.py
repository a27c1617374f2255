"""`letitgo serve`: the address and workers come from the settings (so `.env` counts), the dev .env listens locally."""

from __future__ import annotations

import base64

import pytest

from letitgo import cli
from letitgo.errors import ConfigError
from letitgo.settings import Settings, from_env

BASE = {"PAYLOAD_ENCRYPTION_KEY": base64.b64encode(bytes(range(32))).decode(), "WEBHOOK_SECRET_KEY": "s" * 20}


def _served(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> list[str]:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: seen.append(argv))
    cli.main(["serve", *args])
    return seen[0]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_listens_where_the_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_env({**BASE, "LETITGO_HOST": "127.0.0.1", "LETITGO_PORT": "9091", "LETITGO_WEB_WORKERS": "3"})
    argv = _served(monkeypatch, settings)
    assert _option(argv, "--bind") == "127.0.0.1:9091" and _option(argv, "--workers") == "3"


def test_serve_defaults_and_command_line_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _served(monkeypatch, from_env(BASE))
    assert _option(argv, "--bind") == "0.0.0.0:8081" and _option(argv, "--workers") == "2"
    argv = _served(monkeypatch, from_env(BASE), "--host", "::1", "--workers", "5")
    assert _option(argv, "--bind") == "[::1]:8081" and _option(argv, "--workers") == "5"


def test_the_development_env_listens_on_this_machine_only() -> None:
    lines = cli.DEV_ENV.format(**cli.new_keys()).splitlines()
    env = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert from_env(env).host == "127.0.0.1"


@pytest.mark.parametrize(
    ("given", "host"), [("", "0.0.0.0"), (" 127.0.0.1 ", "127.0.0.1"), ("::", "::"), ("web-1", "web-1")]
)
def test_hosts_are_read(given: str, host: str) -> None:
    assert from_env({**BASE, "LETITGO_HOST": given}).host == host


@pytest.mark.parametrize("host", ["http://x", "a b", "0.0.0.0:8081"])
def test_a_malformed_host_is_named(host: str) -> None:
    with pytest.raises(ConfigError, match="LETITGO_HOST is malformed"):
        from_env({**BASE, "LETITGO_HOST": host})
