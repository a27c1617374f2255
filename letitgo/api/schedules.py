"""Schedules: create (Go-compatible ``POST /schedule`` and ``POST /schedules``), read, cancel, runs."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo import lifecycle, scheduling, storage
from letitgo.api import present
from letitgo.api.schemas import (
    ListQuerySchema,
    PreviewOut,
    PreviewSchema,
    RunsOut,
    RunsQuerySchema,
    ScheduleCreateSchema,
    ScheduleListOut,
    ScheduleOut,
    SchedulePatchSchema,
    TriggerOut,
)
from letitgo.runtime import get_runtime
from letitgo.timefmt import rfc3339
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
        method=data.get("method_type") or "POST",
        payload=data.get("payload"),
        has_payload="payload" in data,
        headers=data.get("headers") or {},
        time=TimeInput(**{k: data[k] for k in TIME_FIELDS if k in data}),
        max_runs=data.get("max_runs"),
        max_attempts=data.get("max_attempts"),
        misfire_policy=data.get("misfire_policy") or "fire_once",
        misfire_grace=data.get("misfire_grace", 60),
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

    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, ScheduleListOut)
    def get(self, query: dict[str, Any]) -> dict:
        """Schedules, newest first, filtered by state and URL; follow ``next_cursor`` for the next page."""
        get_runtime()
        docs, cursor = lifecycle.list_page(
            query.get("state"), query.get("webhook_url"), query["limit"], query.get("cursor")
        )
        return {"schedules": [present.schedule(d, []) for d in docs], "next_cursor": cursor}


@blp.route("/schedules/preview")
class Preview(MethodView):
    @blp.arguments(PreviewSchema)
    @blp.response(200, PreviewOut)
    def post(self, data: dict[str, Any]) -> dict:
        """The next runs of a time specification, without storing anything."""
        spec = TimeInput(**{k: data[k] for k in TIME_FIELDS if k in data})
        result = lifecycle.preview(spec, data["count"], data.get("reference_time"), get_runtime())
        return {**result, "next_runs": [rfc3339(t) for t in result["next_runs"]]}


@blp.route("/schedules/<string:schedule_id>")
class ScheduleItem(MethodView):
    @blp.response(200, ScheduleOut)
    def get(self, schedule_id: str) -> dict:
        """A schedule: state, next runs, run count, last outcome."""
        get_runtime()
        doc = storage.get_schedule(schedule_id)
        return present.schedule(doc, scheduling.upcoming(doc), storage.last_outcome(schedule_id))

    @blp.arguments(SchedulePatchSchema)
    @blp.response(200, ScheduleOut)
    def patch(self, changes: dict[str, Any], schedule_id: str) -> dict:
        """Change payload, headers, method, URL, time fields or zone; the next run is recomputed."""
        if "webhook_url" in changes:
            changes["webhook_url"] = changes["webhook_url"].strip()
        doc = lifecycle.update(schedule_id, changes, get_runtime())
        return present.schedule(doc, scheduling.upcoming(doc))

    @blp.response(200, ScheduleOut)
    def delete(self, schedule_id: str) -> dict:
        """Cancel: the schedule never fires again, including an occurrence already claimed."""
        get_runtime()
        doc = lifecycle.cancel(schedule_id, get_runtime())
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


@blp.route("/schedules/<string:schedule_id>/pause")
class Pause(MethodView):
    @blp.response(200, ScheduleOut)
    def post(self, schedule_id: str) -> dict:
        """Pause: no occurrence fires until resumed (409 when completed or cancelled)."""
        doc = lifecycle.pause(schedule_id, get_runtime())
        return present.schedule(doc, [])


@blp.route("/schedules/<string:schedule_id>/resume")
class Resume(MethodView):
    @blp.response(200, ScheduleOut)
    def post(self, schedule_id: str) -> dict:
        """Resume from the next occurrence after now (409 when completed or cancelled)."""
        doc = lifecycle.resume(schedule_id, get_runtime())
        return present.schedule(doc, scheduling.upcoming(doc))


@blp.route("/schedules/<string:schedule_id>/trigger")
class Trigger(MethodView):
    @blp.response(202, TriggerOut)
    def post(self, schedule_id: str) -> tuple[dict, int]:
        """Send one extra run now; the recurrence is not disturbed."""
        get_runtime()
        run = lifecycle.trigger(schedule_id)
        return {"run_id": run["_id"], "scheduled_for": rfc3339(run["scheduled_for"]), "state": run["state"]}, 202
