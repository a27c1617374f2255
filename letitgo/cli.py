"""The `letitgo` command: serve the API, initialise backends, generate keys and a development `.env`."""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from letitgo.errors import ConfigError, LetItGoError

if TYPE_CHECKING:
    from letitgo.settings import Settings

DEV_ENV = """# Development configuration written by `letitgo init-env`. Never commit this file.
ENVIRONMENT=development
MONGODB_URI=mongodb://127.0.0.1:27017/letitgo
REDIS_ADDRESS=127.0.0.1:6379
REDIS_PASSWORD=
REDIS_DB=0
KAFKA_BROKER=127.0.0.1:9092
# The API listens on this machine only: the SSRF allowance below must not be reachable from the network.
LETITGO_HOST=127.0.0.1
PAYLOAD_ENCRYPTION_KEY={payload_key}
WEBHOOK_SECRET_KEY={webhook_key}
# Let development receivers on this machine be reached (the SSRF guard blocks loopback otherwise).
LETITGO_SSRF_ALLOW_NETWORKS=127.0.0.0/8,::1/128
LLM_API_URL=
LLM_API_KEY=
"""


def new_keys() -> dict[str, str]:
    return {"payload_key": base64.b64encode(os.urandom(32)).decode(), "webhook_key": secrets.token_urlsafe(32)}


def cmd_keygen(_args: argparse.Namespace) -> int:
    keys = new_keys()
    print(f"PAYLOAD_ENCRYPTION_KEY={keys['payload_key']}")
    print(f"WEBHOOK_SECRET_KEY={keys['webhook_key']}")
    return 0


def cmd_init_env(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists():
        print(f"{path} exists; left as it is")
        return 0
    path.write_text(DEV_ENV.format(**new_keys()))
    path.chmod(0o600)
    print(f"wrote {path} with freshly generated keys")
    return 0


def _settings() -> Settings:
    from letitgo.settings import get_settings

    return get_settings()


def cmd_check(_args: argparse.Namespace) -> int:
    print(f"configuration ok: {_settings()!r}")
    return 0


def cmd_init(_args: argparse.Namespace) -> int:
    from letitgo import storage, stream

    settings = _settings()
    storage.connect(settings.mongodb_uri)
    stream.ensure_topic(settings.kafka_broker, settings.kafka_topic, settings.kafka_partitions)
    print(f"indexes ready; topic {settings.kafka_topic} ready ({settings.kafka_partitions} partitions)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    host = args.host or settings.host
    bind = f"[{host}]:{settings.port}" if ":" in host else f"{host}:{settings.port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(args.workers or settings.web_workers),
        "--threads",
        "8",
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "letitgo.wsgi:app",
    ]
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with gunicorn, same interpreter
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="letitgo", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("keygen", help="print fresh keys").set_defaults(func=cmd_keygen)
    env = sub.add_parser("init-env", help="write a development .env with generated keys if absent")
    env.add_argument("path", nargs="?", default=".env")
    env.set_defaults(func=cmd_init_env)
    sub.add_parser("check", help="validate the configuration").set_defaults(func=cmd_check)
    sub.add_parser("init", help="create indexes and the Kafka topic").set_defaults(func=cmd_init)
    serve = sub.add_parser("serve", help="run the HTTP API with gunicorn")
    serve.add_argument("--host", help="address to listen on (default: LETITGO_HOST, 0.0.0.0)")
    serve.add_argument("--workers", type=int, help="gunicorn workers (default: LETITGO_WEB_WORKERS, 2)")
    serve.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"letitgo: configuration error: {exc}", file=sys.stderr)
        return 2
    except LetItGoError as exc:
        print(f"letitgo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
