"""Processed Slack event ids: Slack retries an event up to three times, minutes apart."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ProcessedEvent
from storage.repositories._insert import insert_unless_exists

# Slack's retries come within minutes; an hour leaves a wide margin.
EVENT_RETENTION = timedelta(hours=1)


async def seen(s: AsyncSession, *, event_id: str, now: datetime) -> bool:
    """Record ``event_id``; True when it was already recorded (skip the event).

    One atomic insert-or-ignore: of many concurrent callers exactly one gets False.
    The record only counts once the caller's transaction commits.
    """
    inserted = await insert_unless_exists(
        s, ProcessedEvent(event_id=event_id, seen_at=now), unique_on=("event_id",)
    )
    return inserted is None


async def prune_events(s: AsyncSession, *, older_than: datetime) -> int:
    """Forget event ids seen before ``older_than`` (use ``now - EVENT_RETENTION``)."""
    result = await s.execute(
        delete(ProcessedEvent)
        .where(col(ProcessedEvent.seen_at) < older_than)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
