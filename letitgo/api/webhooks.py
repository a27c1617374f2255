"""Endpoint verification (Go-compatible ``POST /webhook/verify``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo.api.schemas import VerifyOut, VerifySchema
from letitgo.runtime import get_runtime
from letitgo.verification import verify_endpoint

blp = Blueprint("webhooks", __name__, description="Prove a receiver wants our requests")


@blp.route("/webhook/verify")
class Verify(MethodView):
    @blp.arguments(VerifySchema)
    @blp.response(200, VerifyOut)
    def post(self, data: dict[str, Any]) -> dict:
        """POST to the URL; accept it when it answers X-Webhook-Signature = hex HMAC-SHA256(key, URL)."""
        url = data["webhook_url"].strip()
        endpoint, secret = verify_endpoint(url, get_runtime(), method=data["method_type"])
        return {
            "message": "Webhook verified successfully",
            "webhook_url": endpoint.url,
            "verified": True,
            "signing_secret": secret,
        }
