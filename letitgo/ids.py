"""Identifiers: a run id is derived from its schedule and instant, so every retry and duplicate shares it."""

from __future__ import annotations

import secrets
from datetime import datetime

from bson import ObjectId


def new_schedule_id() -> str:
    return str(ObjectId())


def run_id(schedule_id: str, scheduled_for: datetime, trigger: str = "schedule") -> str:
    """The webhook-id of one occurrence: stable for (schedule, instant, trigger)."""
    millis = int(scheduled_for.timestamp() * 1000)
    prefix = "" if trigger == "schedule" else trigger[0]
    return f"run_{schedule_id}_{prefix}{millis}"


def claim_token() -> str:
    return secrets.token_hex(12)
