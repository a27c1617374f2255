"""The one place where errors become HTTP answers: ``{"error", "field", "errors", "code", "status"}``."""

from __future__ import annotations

import logging
from typing import Any

import pymongo.errors
import redis.exceptions
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from letitgo import errors

log = logging.getLogger(__name__)

STATUS: tuple[tuple[type[errors.LetItGoError], int], ...] = (
    (errors.PayloadTooLargeError, 413),
    (errors.ValidationError, 400),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.UnavailableError, 503),
    (errors.CryptoError, 500),
    (errors.ConfigError, 500),
)


def status_for(exc: errors.LetItGoError) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def error_body(code: int, status: str, message: str, field: str | None = None, details: Any = None) -> dict:
    body: dict[str, Any] = {"code": code, "status": status, "error": message}
    if field:
        body["field"] = field
    if details:
        body["errors"] = details
    return body


def _first_field(messages: Any, prefix: str = "") -> tuple[str, str]:
    """Flatten webargs' nested messages to the first (dotted field, message)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "view_args", "form") and not prefix:
                return _first_field(value, "")
            return _first_field(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(messages, list) and messages:
        return _first_field(messages[0], prefix) if not isinstance(messages[0], str) else (prefix, messages[0])
    return prefix, str(messages)


def handle_http(exc: HTTPException) -> tuple[Response, int]:
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if messages and code == 422:
        field, message = _first_field(messages)
        if field == "_schema":  # about the body as a whole, not a field
            field = ""
            if message == "Invalid input type.":
                message = "the request body must be a JSON object"
        details = messages.get("json", messages) if isinstance(messages, dict) else messages
        return jsonify(error_body(400, "Bad Request", f"{field}: {message}" if field else message, field, details)), 400
    message = data.get("message") or exc.description or exc.name
    if code == 400 and "JSON" in str(exc.description or ""):
        message = "request body is not valid JSON"
    if code == 413:
        message = "request body is too large"
    return jsonify(error_body(code, exc.name, message)), code


def handle_domain(exc: errors.LetItGoError) -> tuple[Response, int]:
    code = status_for(exc)
    field = getattr(exc, "field", None)
    if code >= 500:
        log.exception("internal error: %s", type(exc).__name__)
        return jsonify(error_body(code, "Internal Server Error", "internal error")), code
    names = {
        400: "Bad Request",
        404: "Not Found",
        409: "Conflict",
        413: "Payload Too Large",
        503: "Service Unavailable",
    }
    return jsonify(error_body(code, names.get(code, "Error"), str(exc), field)), code


# A dependency that is down or restarting: the request may succeed when retried, so 503 and not a 500.
OUTAGES: tuple[tuple[type[Exception], str], ...] = (
    (pymongo.errors.ConnectionFailure, "MongoDB"),  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    (redis.exceptions.ConnectionError, "Redis"),
    (redis.exceptions.TimeoutError, "Redis"),
)
RETRY_AFTER_SECONDS = 5


def handle_outage(exc: Exception) -> tuple[Response, int]:
    name = next((n for cls, n in OUTAGES if isinstance(exc, cls)), "a dependency")
    log.warning("%s unavailable: %s: %s", name, type(exc).__name__, exc)
    response = jsonify(error_body(503, "Service Unavailable", f"{name} is unavailable; try again shortly"))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, 503


def handle_unexpected(exc: Exception) -> tuple[Response, int]:
    log.exception("unhandled %s", type(exc).__name__)
    return jsonify(error_body(500, "Internal Server Error", "internal error")), 500


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(errors.LetItGoError, handle_domain)
    for cls, _name in OUTAGES:
        app.register_error_handler(cls, handle_outage)
    app.register_error_handler(Exception, handle_unexpected)
