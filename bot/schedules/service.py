"""Schedules as a domain service: create, list (reconciled with the API) and cancel.

It talks to the Workers API port and to storage, never to Slack; the Slack listeners
parse, call this, render and send.

A new worker for ``/worker schedule``: the Workers API cannot create a worker without
running it, so ``create`` starts the worker with the task itself. That first run is
real work and is posted to the report channel like every later run (the delivery
loop's ``deliver_first_run``); the schedule then runs the same task on that worker.

Lists are reconciled with the API's schedule list of each worker: a schedule that the
API no longer has and whose run is not due was cancelled elsewhere and is marked so
(and disappears). A one-time schedule that left the API's list because it fired is
left to the delivery loop, which posts its run and marks it done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.clock import Clock
from bot.errors import UserFacingError, WorkersApiError, WorkersNotFound
from bot.workers.models import (
    Budget,
    CreateSchedule,
    CronWhen,
    DelayedWhen,
    IntervalWhen,
    Schedule,
    ScheduledWhen,
)
from bot.workers.port import WorkersPort
from storage.engine import Database
from storage.models import Schedule as ScheduleRow
from storage.repositories import schedules

log = logging.getLogger(__name__)

When = CronWhen | IntervalWhen | DelayedWhen | ScheduledWhen
CancelOutcome = Literal["cancelled", "already", "unknown"]
ONE_TIME = ("scheduled", "delayed")


@dataclass(frozen=True)
class NewSchedule:
    """What the modal asked for; ``worker_id`` None means a new worker."""

    team_id: str
    channel_id: str  # where reports go
    creator_id: str
    task: str
    budget: Budget
    when: When
    worker_id: str | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Created:
    schedule: ScheduleRow
    new_worker: bool


@dataclass(frozen=True)
class Listed:
    """A stored schedule and the next run the API announces now (None if unknown)."""

    schedule: ScheduleRow
    next_run_at: datetime | None


def spec_of(when: When) -> str:
    """The stored ``spec``: the cron expression, seconds, or an ISO instant (UTC)."""
    if isinstance(when, CronWhen):
        return when.cron
    if isinstance(when, IntervalWhen):
        return str(when.interval_seconds)
    if isinstance(when, DelayedWhen):
        return str(when.delay_in_seconds)
    return when.date.astimezone(UTC).isoformat()


def spec_value(kind: str, spec: str) -> str | int | datetime:
    """The stored ``spec`` back as the renderers take it."""
    if kind == "cron":
        return spec
    if kind in ("interval", "delayed"):
        return int(spec)
    return datetime.fromisoformat(spec)


class ScheduleService:
    def __init__(self, *, db: Database, workers: WorkersPort, clock: Clock) -> None:
        self._db = db
        self._workers = workers
        self._clock = clock

    async def create(self, new: NewSchedule) -> Created:
        """Create the schedule on the API (and the worker, if new), then store it."""
        worker_id = new.worker_id
        if worker_id is None:
            worker = await self._workers.create(new.task, budget=new.budget)
            worker_id = worker.id
        made = await self._workers.create_schedule(
            worker_id, CreateSchedule(input=new.task, when=new.when, budget=new.budget)
        )
        async with self._db.transaction() as session:
            row = await schedules.add_schedule(
                session,
                schedule_id=made.id,
                worker_id=worker_id,
                team_id=new.team_id,
                channel_id=new.channel_id,
                creator_id=new.creator_id,
                kind=made.type,
                spec=spec_of(new.when),
                budget=new.budget,
                task=new.task,
                time_zone=new.time_zone,
                next_run_at=made.next_run_at,
                now=self._clock.now(),
            )
        log.info(
            "schedule created",
            extra={
                "team": new.team_id,
                "channel": new.channel_id,
                "user": new.creator_id,
                "worker": worker_id,
                "schedule": made.id,
            },
        )
        return Created(schedule=row, new_worker=new.worker_id is None)

    async def channel_schedules(self, *, team_id: str, channel_id: str) -> list[Listed]:
        async with self._db.transaction() as session:
            rows = await schedules.schedules_for_channel(
                session, team_id=team_id, channel_id=channel_id
            )
        return await self._reconcile(rows)

    async def creator_schedules(self, *, team_id: str, creator_id: str) -> list[Listed]:
        async with self._db.transaction() as session:
            rows = await schedules.schedules_for_creator(
                session, team_id=team_id, creator_id=creator_id
            )
        return await self._reconcile(rows)

    async def get(self, schedule_id: str) -> ScheduleRow | None:
        async with self._db.transaction() as session:
            return await schedules.get_schedule(session, schedule_id=schedule_id)

    async def cancel(
        self, *, team_id: str, schedule_id: str, user_id: str, is_admin: bool
    ) -> CancelOutcome:
        """Cancel on the API and in storage; only its creator or an admin may.

        ``unknown``: no such schedule in this workspace; ``already``: it was cancelled
        or finished before (here or on the API). A refusal raises ``UserFacingError``.
        """
        row = await self.get(schedule_id)
        if row is None or row.team_id != team_id:
            return "unknown"
        if row.state != "active":
            return "already"
        if user_id != row.creator_id and not is_admin:
            raise UserFacingError(
                "Only the person who created this schedule, or a workspace admin, can cancel it."
            )
        outcome: CancelOutcome = "cancelled"
        try:
            if not await self._workers.cancel_schedule(row.worker_id, row.id):
                outcome = "already"
        except WorkersNotFound:
            outcome = "already"  # cancelled (or finished) on the API already
        async with self._db.transaction() as session:
            current = await schedules.get_schedule(session, schedule_id=schedule_id)
            if current is not None and current.state == "active":
                await schedules.set_schedule_state(
                    session, schedule_id=schedule_id, state="cancelled"
                )
            elif outcome == "cancelled":
                outcome = "already"  # someone else marked it while we asked the API
        log.info(
            "schedule cancel: %s",
            outcome,
            extra={"team": team_id, "user": user_id, "schedule": schedule_id},
        )
        return outcome

    async def _reconcile(self, rows: list[ScheduleRow]) -> list[Listed]:
        """Drop what the API no longer has; show the API's next run for the rest."""
        now = self._clock.now()
        listed: list[Listed] = []
        gone: list[str] = []
        for worker_id, group in _by_worker(rows).items():
            try:
                remote = {item.id: item for item in await self._workers.list_schedules(worker_id)}
            except WorkersNotFound:
                remote = {}
            except WorkersApiError as exc:
                # The API is unreachable: show what we stored rather than nothing.
                log.warning("schedule list not reconciled: %s", type(exc).__name__)
                listed += [Listed(row, row.next_run_at) for row in group]
                continue
            for row in group:
                match: Schedule | None = remote.get(row.id)
                if match is not None:
                    listed.append(Listed(row, match.next_run_at))
                elif row.kind in ONE_TIME and _due(row, now):
                    continue  # it fired: the delivery loop posts it and marks it done
                else:
                    gone.append(row.id)
        if gone:
            async with self._db.transaction() as session:
                for schedule_id in gone:
                    await schedules.set_schedule_state(
                        session, schedule_id=schedule_id, state="cancelled"
                    )
            log.info("schedules cancelled elsewhere: %d", len(gone))
        order = {row.id: index for index, row in enumerate(rows)}
        return sorted(listed, key=lambda item: order[item.schedule.id])


def _due(row: ScheduleRow, now: datetime) -> bool:
    return row.next_run_at is not None and row.next_run_at <= now


def _by_worker(rows: Iterable[ScheduleRow]) -> dict[str, list[ScheduleRow]]:
    groups: dict[str, list[ScheduleRow]] = {}
    for row in rows:
        groups.setdefault(row.worker_id, []).append(row)
    return groups
