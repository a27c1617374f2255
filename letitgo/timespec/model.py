"""The plain values of the time-specification contract: what the user gave, and what it resolved to."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from letitgo.timespec.cron import CronExpr


@dataclass(frozen=True)
class TimeInput:
    """What a user wrote: exactly one of the first five fields, plus zone and bounds."""

    schedule_time: str | None = None
    cron_expression: str | None = None
    time_as_text: str | None = None
    interval: int | str | None = None
    delay: int | str | None = None
    timezone: str | None = None
    date_order: str | None = None
    start_at: str | None = None
    end_at: str | None = None


@dataclass(frozen=True)
class Recurrence:
    """A resolved time specification: plain values, storable and rebuilt as they are."""

    kind: str  # "once" | "cron" | "interval"
    timezone: str
    first_run: datetime
    cron: str | None = None
    interval_seconds: int | None = None
    anchor: datetime | None = None
    end_at: datetime | None = None
    description: str = ""
    understood_as: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recurrence:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Draft:
    """What one field said, before start_at/end_at are applied."""

    kind: str
    understood_as: str
    at: datetime | None = None  # once
    cron: CronExpr | None = None
    seconds: int | None = None  # interval

    @property
    def field(self) -> str:
        return self.understood_as.split(":")[0]
