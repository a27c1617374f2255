"""Request bodies are strict JSON, checked once for every route before any handler reads them.

webargs (and Python's json) accept what JSON does not: ``NaN``, ``Infinity`` and numbers like ``1e400``
that become infinite. Stored in a payload they would reach the receiver as invalid JSON; in a time field
they crash the arithmetic. A body nested deeper than the parser's recursion limit crashes it. A JSON body
sent with another Content-Type (``curl -d`` sends a form type) would be read as no body at all and
answered "webhook_url: Missing data". Each of these is a 4xx saying what is wrong with the body.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, Response, jsonify, request
from webargs.core import is_json

from letitgo.api.errors import error_body

BODY_METHODS = ("POST", "PUT", "PATCH")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def strict_loads(raw: bytes) -> Any:
    """Parse standard JSON only; raise ValueError with a message for the user."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_no_constants, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValueError("it is nested too deeply") from None


def _refuse(code: int, status: str, message: str) -> tuple[Response, int]:
    return jsonify(error_body(code, status, message)), code


def check_body() -> tuple[Response, int] | None:
    if request.method not in BODY_METHODS or request.url_rule is None:
        return None
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    if not is_json(request.mimetype):
        got = request.mimetype or "none"
        return _refuse(
            415, "Unsupported Media Type", f"send the body as JSON with Content-Type: application/json (got {got})"
        )
    try:
        strict_loads(raw)
    except ValueError as exc:
        return _refuse(400, "Bad Request", f"request body is not valid JSON: {exc}")
    return None


def register(app: Flask) -> None:
    app.before_request(check_body)
