"""Column types and the closed vocabularies stored in the tables.

``UtcDateTime`` makes every datetime that leaves the database timezone-aware UTC on both
dialects: PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
normalised to UTC before they are written (string comparison in SQL then orders them
correctly) and tagged as UTC when read back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

TurnStatus = Literal["queued", "starting", "running", "done", "failed", "cancelled"]
UNFINISHED_TURN: tuple[TurnStatus, ...] = ("queued", "starting", "running")
ACTIVE_TURN: tuple[TurnStatus, ...] = ("starting", "running")
FINISHED_TURN: tuple[TurnStatus, ...] = ("done", "failed", "cancelled")

LinkOrigin = Literal["command", "mention", "dm", "schedule"]
ScheduleKind = Literal["cron", "interval", "scheduled", "delayed"]
ScheduleState = Literal["active", "done", "cancelled"]
DeliveryStatus = Literal["claimed", "posted", "failed"]


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; naive datetimes are refused when written."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: storage only accepts timezone-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:  # SQLite: written as UTC by process_bind_param
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_now() -> datetime:
    """Default for ``created_at`` when the caller passes no ``now``."""
    return datetime.now(UTC)
