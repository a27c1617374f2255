"""WSGI entry point for gunicorn: `gunicorn letitgo.wsgi:app`."""

import sys

from letitgo.errors import ConfigError

try:
    from letitgo.api import create_app

    app = create_app()
except ConfigError as exc:
    print(f"letitgo: configuration error: {exc}", file=sys.stderr)
    sys.exit(2)
