"""Schedules created from Slack: the Workers API's id, where reports go, who made them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Schedule
from storage.types import ScheduleKind, ScheduleState, utc_now

_ACTIVE: tuple[ScheduleState, ...] = ("active",)


async def add_schedule(
    s: AsyncSession,
    *,
    schedule_id: str,
    worker_id: str,
    team_id: str,
    channel_id: str,
    creator_id: str,
    kind: ScheduleKind,
    spec: str,
    budget: str,
    task: str,
    time_zone: str = "UTC",
    next_run_at: datetime | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Store a schedule the Workers API just created."""
    schedule = Schedule(
        id=schedule_id,
        worker_id=worker_id,
        team_id=team_id,
        channel_id=channel_id,
        creator_id=creator_id,
        kind=kind,
        spec=spec,
        budget=budget,
        task=task,
        time_zone=time_zone,
        next_run_at=next_run_at,
        created_at=now or utc_now(),
    )
    s.add(schedule)
    await s.flush()
    return schedule


async def get_schedule(s: AsyncSession, *, schedule_id: str) -> Schedule | None:
    return await s.get(Schedule, schedule_id)


async def schedules_for_channel(
    s: AsyncSession, *, team_id: str, channel_id: str, states: Collection[ScheduleState] = _ACTIVE
) -> list[Schedule]:
    """Schedules reporting into a channel, oldest first."""
    return await _list(
        s,
        col(Schedule.team_id) == team_id,
        col(Schedule.channel_id) == channel_id,
        col(Schedule.state).in_(list(states)),
    )


async def schedules_for_creator(
    s: AsyncSession, *, team_id: str, creator_id: str, states: Collection[ScheduleState] = _ACTIVE
) -> list[Schedule]:
    """Schedules a user created in a workspace, oldest first."""
    return await _list(
        s,
        col(Schedule.team_id) == team_id,
        col(Schedule.creator_id) == creator_id,
        col(Schedule.state).in_(list(states)),
    )


async def schedules_for_worker(
    s: AsyncSession, *, worker_id: str, states: Collection[ScheduleState] = _ACTIVE
) -> list[Schedule]:
    return await _list(
        s, col(Schedule.worker_id) == worker_id, col(Schedule.state).in_(list(states))
    )


async def active_schedules(s: AsyncSession) -> list[Schedule]:
    """Every active schedule (the report-delivery loop polls these)."""
    return await _list(s, col(Schedule.state) == "active")


async def set_schedule_state(
    s: AsyncSession, *, schedule_id: str, state: ScheduleState
) -> Schedule | None:
    """Mark a schedule active, done or cancelled; None if it is unknown."""
    schedule = await s.get(Schedule, schedule_id)
    if schedule is not None:
        schedule.state = state
        await s.flush()
    return schedule


async def record_schedule_run(
    s: AsyncSession,
    *,
    schedule_id: str,
    next_run_at: datetime | None,
    last_seen_run_at: datetime | None,
) -> Schedule | None:
    """Remember the next run the API announced and the last run seen delivered."""
    schedule = await s.get(Schedule, schedule_id)
    if schedule is not None:
        schedule.next_run_at = next_run_at
        if last_seen_run_at is not None:
            schedule.last_seen_run_at = last_seen_run_at
        await s.flush()
    return schedule


async def _list(s: AsyncSession, *where: ColumnElement[bool]) -> list[Schedule]:
    rows = await s.scalars(
        select(Schedule).where(*where).order_by(col(Schedule.created_at), col(Schedule.id))
    )
    return list(rows.all())
