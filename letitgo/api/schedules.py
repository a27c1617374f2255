"""Schedules: create (Go-compatible ``POST /schedule`` and ``POST /schedules``), read, cancel, runs."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo import scheduling, storage
from letitgo.api import present
from letitgo.api.schemas import RunsOut, RunsQuerySchema, ScheduleCreateSchema, ScheduleOut
from letitgo.runtime import get_runtime
from letitgo.timespec import TimeInput

blp = Blueprint("schedules", __name__, description="Schedule webhooks and follow their runs")

TIME_FIELDS = (
    "schedule_time",
    "cron_expression",
    "time_as_text",
    "interval",
    "delay",
    "timezone",
    "date_order",
    "start_at",
    "end_at",
)


def new_schedule(data: dict[str, Any]) -> scheduling.NewSchedule:
    return scheduling.NewSchedule(
        webhook_url=data["webhook_url"].strip(),
        method=data["method_type"],
        payload=data.get("payload"),
        has_payload="payload" in data,
        headers=data["headers"],
        time=TimeInput(**{k: data[k] for k in TIME_FIELDS if k in data}),
        max_runs=data.get("max_runs"),
        max_attempts=data.get("max_attempts"),
        misfire_policy=data["misfire_policy"],
        misfire_grace=data["misfire_grace"],
        failure_callback_url=data.get("failure_callback_url"),
    )


def _create(data: dict[str, Any]) -> tuple[dict, int]:
    doc, _rec = scheduling.create(new_schedule(data), get_runtime())
    return present.schedule(doc, scheduling.upcoming(doc)), 201


@blp.route("/schedule")
class ScheduleLegacy(MethodView):
    @blp.arguments(ScheduleCreateSchema)
    @blp.response(201, ScheduleOut)
    def post(self, data: dict[str, Any]) -> tuple[dict, int]:
        """Create a schedule (the Go project's path)."""
        return _create(data)


@blp.route("/schedules")
class Schedules(MethodView):
    @blp.arguments(ScheduleCreateSchema)
    @blp.response(201, ScheduleOut)
    def post(self, data: dict[str, Any]) -> tuple[dict, int]:
        """Create a schedule."""
        return _create(data)


@blp.route("/schedules/<string:schedule_id>")
class ScheduleItem(MethodView):
    @blp.response(200, ScheduleOut)
    def get(self, schedule_id: str) -> dict:
        """A schedule: state, next runs, run count, last outcome."""
        get_runtime()
        doc = storage.get_schedule(schedule_id)
        return present.schedule(doc, scheduling.upcoming(doc))

    @blp.response(200, ScheduleOut)
    def delete(self, schedule_id: str) -> dict:
        """Cancel: the schedule never fires again, including an occurrence already claimed."""
        get_runtime()
        doc = scheduling.cancel(schedule_id)
        return present.schedule(doc, [])


@blp.route("/schedules/<string:schedule_id>/runs")
class ScheduleRuns(MethodView):
    @blp.arguments(RunsQuerySchema, location="query")
    @blp.response(200, RunsOut)
    def get(self, query: dict[str, Any], schedule_id: str) -> dict:
        """The schedule's occurrences, newest first, each with its attempts."""
        get_runtime()
        storage.get_schedule(schedule_id)
        runs = storage.list_runs(schedule_id=schedule_id, limit=query["limit"])
        attempts = storage.attempts_for([r.id for r in runs])
        return {"runs": [present.run(r, attempts.get(r.id, [])) for r in runs]}
