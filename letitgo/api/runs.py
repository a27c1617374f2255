"""Runs across schedules: list dead letters (or any state), replay one, replay in bulk."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from letitgo import deadletters, storage
from letitgo.api import present
from letitgo.api.ops_schemas import (
    BulkReplayOut,
    BulkReplaySchema,
    ReplaySchema,
    RunDetailOut,
    RunListOut,
    RunListQuery,
)
from letitgo.errors import NotFoundError
from letitgo.models import Run
from letitgo.runtime import get_runtime
from letitgo.storage import RunFilter

blp = Blueprint("runs", __name__, description="Dead letters and replays")


def _filter(data: dict[str, Any]) -> RunFilter:
    url = data.get("webhook_url")
    return RunFilter(
        state=data.get("state"),
        schedule_id=data.get("schedule_id"),
        webhook_url=url.strip() if url else None,
        since=data.get("since"),
        until=data.get("until"),
    )


def _with_attempts(runs: list[Run]) -> list[dict]:
    attempts = storage.attempts_for([r.id for r in runs])
    return [present.run(r, attempts.get(r.id, [])) for r in runs]


@blp.route("/runs")
class Runs(MethodView):
    @blp.arguments(RunListQuery, location="query")
    @blp.response(200, RunListOut)
    def get(self, query: dict[str, Any]) -> dict:
        """Runs newest first, each with its attempts; ``state=dead`` lists the dead letters."""
        get_runtime()
        runs, cursor = deadletters.list_page(_filter(query), query["limit"], query.get("cursor"))
        return {"runs": _with_attempts(runs), "next_cursor": cursor}


@blp.route("/runs/replay")
class BulkReplay(MethodView):
    @blp.arguments(BulkReplaySchema)
    @blp.response(200, BulkReplayOut)
    def post(self, data: dict[str, Any]) -> dict:
        """Replay the dead runs matching the filter, newest first, up to ``limit`` (at most 1000) per call."""
        get_runtime()
        report = deadletters.replay_bulk(_filter(data), data["limit"])
        return {"replayed": report.replayed, "not_replayable": report.not_replayable, "more": report.more}


@blp.route("/runs/<string:run_id>")
class RunItem(MethodView):
    @blp.response(200, RunDetailOut)
    def get(self, run_id: str) -> dict:
        """One run with its attempts."""
        get_runtime()
        run = storage.get_run(run_id)
        if run is None:
            raise NotFoundError(f"run {run_id} not found")
        return _with_attempts([run])[0]


@blp.route("/runs/<string:run_id>/replay")
class Replay(MethodView):
    @blp.arguments(ReplaySchema)
    @blp.response(202, RunDetailOut)
    def post(self, data: dict[str, Any], run_id: str) -> tuple[dict, int]:
        """Send a dead run again (a delivered one with ``force``): pending now, fresh retry budget."""
        run = deadletters.replay(run_id, data["force"], get_runtime())
        return _with_attempts([run])[0], 202
