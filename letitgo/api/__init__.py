"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_smorest import Api

from letitgo import __version__
from letitgo.api import body, endpoints, errors, health, runs, schedules, webhooks
from letitgo.api.schemas import ErrorOut
from letitgo.settings import Settings, get_settings


class LetItGoApi(Api):
    """flask-smorest's Api with LetItGo's own error format (registered in letitgo.api.errors)."""

    ERROR_SCHEMA = ErrorOut  # the documented error body is the one errors.py sends

    def _register_error_handlers(self) -> None:
        errors.register(self._app)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Document invalid arguments as the 400 they are answered with (webargs' default is 422)."""
        for endpoint in blp._docs.values():
            for doc in endpoint.values():
                responses = doc.get("arguments", {}).get("responses", {}) if isinstance(doc, dict) else {}
                if responses.pop(422, None) is not None:
                    responses[400] = "BAD_REQUEST"
        super().register_blueprint(blp, parameters=parameters, **options)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app; settings are read once (and validated) here."""
    settings = settings or get_settings()
    app = Flask("letitgo")
    app.config.update(
        API_TITLE="LetItGo",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        MAX_CONTENT_LENGTH=settings.max_payload_bytes + 16384,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    api = LetItGoApi(app)
    body.register(app)
    for blueprint in (schedules.blp, webhooks.blp, endpoints.blp, runs.blp, health.blp):
        api.register_blueprint(blueprint)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app
