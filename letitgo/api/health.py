"""Liveness and readiness."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo import storage, stream
from letitgo.api.schemas import HealthOut
from letitgo.errors import LetItGoError
from letitgo.runtime import get_runtime

blp = Blueprint("health", __name__, description="Process and dependency health")


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthOut)
    def get(self) -> dict:
        """The process is alive."""
        return {"status": "ok", "checks": {}}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, HealthOut)
    @blp.alt_response(503, schema=HealthOut)
    def get(self) -> tuple[dict, int]:
        """MongoDB, Redis and Kafka reachable; 503 naming what is not."""
        checks = {"mongodb": _check(_mongo), "redis": _check(_redis), "kafka": _check(_kafka)}
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return {"status": f"unavailable: {', '.join(down)}", "checks": checks}, 503
        return {"status": "ok", "checks": checks}, 200


def _check(probe: object) -> str:
    try:
        probe()  # type: ignore[operator]
    except (LetItGoError, Exception) as exc:  # noqa: BLE001 - every failure is a "not ready"
        return f"unreachable ({type(exc).__name__})"
    return "ok"


def _mongo() -> None:
    get_runtime()
    storage.ping()


def _redis() -> None:
    get_runtime().cache.ping()


def _kafka() -> None:
    stream.ping(get_runtime().settings.kafka_broker)
