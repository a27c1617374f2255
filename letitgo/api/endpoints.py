"""Endpoints: register (issues the signing secret), verify by challenge–response, rotate, re-enable, inspect."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo import endpoints, storage
from letitgo.api import present
from letitgo.api.ops_schemas import (
    EndpointIssuedOut,
    EndpointListOut,
    EndpointListQuery,
    EndpointOut,
    EndpointUrlSchema,
    RotateSecretSchema,
)
from letitgo.models import Endpoint
from letitgo.runtime import get_runtime

blp = Blueprint("endpoints", __name__, description="Receivers: signing secrets, challenge verification, health")


def _shown(doc: Endpoint) -> dict[str, Any]:
    return present.endpoint(endpoints.describe(doc, get_runtime()))


def _issued(issued: endpoints.Issued, message: str) -> dict[str, Any]:
    return {
        **_shown(issued.endpoint),
        "message": message,
        "signing_secret": issued.secret,
        "secret_id": issued.secret_id,
    }


@blp.route("/endpoints")
class Endpoints(MethodView):
    @blp.arguments(EndpointUrlSchema)
    @blp.response(201, EndpointIssuedOut)
    def post(self, data: dict[str, Any]) -> tuple[dict, int]:
        """Register a receiver and issue its signing secret (shown once); then verify it."""
        issued = endpoints.register(data["webhook_url"].strip(), get_runtime())
        message = "Store signing_secret now: it is not shown again. Then call POST /endpoints/verify."
        return _issued(issued, message), 201

    @blp.arguments(EndpointListQuery, location="query")
    @blp.response(200, EndpointListOut)
    def get(self, query: dict[str, Any]) -> dict:
        """Endpoints, newest first (optionally one URL): state, circuit, secret ids and expiry."""
        get_runtime()
        url = query.get("webhook_url")
        docs, cursor = endpoints.list_page(url.strip() if url else None, query["limit"], query.get("cursor"))
        return {"endpoints": [_shown(d) for d in docs], "next_cursor": cursor}


@blp.route("/endpoints/<string:endpoint_id>")
class EndpointItem(MethodView):
    @blp.response(200, EndpointOut)
    def get(self, endpoint_id: str) -> dict:
        """One endpoint: state, circuit, secret ids and expiry."""
        get_runtime()
        return _shown(storage.get_endpoint_by_id(endpoint_id))


@blp.route("/endpoints/verify")
class Verify(MethodView):
    @blp.arguments(EndpointUrlSchema)
    @blp.response(200, EndpointOut)
    def post(self, data: dict[str, Any]) -> dict:
        """Send a fresh signed challenge; verified when the answer is its HMAC under a current secret."""
        return _shown(endpoints.verify(data["webhook_url"].strip(), get_runtime()))


@blp.route("/endpoints/rotate-secret")
class RotateSecret(MethodView):
    @blp.arguments(RotateSecretSchema)
    @blp.response(200, EndpointIssuedOut)
    def post(self, data: dict[str, Any]) -> dict:
        """Issue a new secret (shown once); the old ones keep signing for overlap_seconds."""
        rt = get_runtime()
        issued = endpoints.rotate_secret(data["webhook_url"].strip(), data["overlap_seconds"], rt)
        message = (
            f"Store signing_secret now: it is not shown again. Deliveries carry both signatures for "
            f"{data['overlap_seconds']} s, then only the new one."
        )
        return _issued(issued, message)


@blp.route("/endpoints/enable")
class Enable(MethodView):
    @blp.arguments(EndpointUrlSchema)
    @blp.response(200, EndpointOut)
    def post(self, data: dict[str, Any]) -> dict:
        """Re-enable a disabled endpoint (for example after 410 Gone) and close its circuit."""
        return _shown(endpoints.enable(data["webhook_url"].strip(), get_runtime()))
