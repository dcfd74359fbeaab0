"""Schedules that really fire: cron (croniter, UTC), interval, delayed and scheduled.

A background loop checks every ``tick`` seconds for schedules whose ``nextRunAt`` has
passed and runs each as a new turn of its worker (after the active turn, if busy).
Recurring schedules move ``nextRunAt`` forward (interval: by whole intervals, never
into the past; cron: the next match after now); one-time schedules (``delayed``,
``scheduled``) leave the list once they have fired.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from croniter import croniter

from bot.clock import Clock
from bot.devkit.emulator.engine import WorkerEngine
from bot.devkit.emulator.problems import bad_request, not_found
from bot.devkit.emulator.state import ScheduleState, Store, WorkerState
from bot.workers.models import CreateSchedule, CronWhen, DelayedWhen, IntervalWhen

logger = logging.getLogger(__name__)


def next_cron_run(expression: str, after: datetime) -> datetime:
    """The first match of ``expression`` strictly after ``after``, in UTC."""
    moment: datetime = croniter(expression, after.astimezone(UTC)).get_next(datetime)
    return moment.astimezone(UTC)


class Scheduler:
    def __init__(self, store: Store, engine: WorkerEngine, clock: Clock, tick: float) -> None:
        self._store = store
        self._engine = engine
        self._clock = clock
        self.tick = tick

    def create(self, worker: WorkerState, body: CreateSchedule) -> ScheduleState:
        now = self._clock.now()
        when = body.when
        schedule = ScheduleState(
            id="",
            worker_id=worker.id,
            kind=when.type,
            input=body.input,
            budget=body.budget or worker.budget,
            next_run_at=now,
        )
        if isinstance(when, CronWhen):
            if not when.cron.strip() or not croniter.is_valid(when.cron):
                raise bad_request(f"Invalid cron expression: {when.cron!r}")
            schedule.cron = when.cron
            schedule.next_run_at = next_cron_run(when.cron, now)
        elif isinstance(when, IntervalWhen):
            if when.interval_seconds <= 0:
                raise bad_request("when.intervalSeconds must be a positive number of seconds")
            schedule.interval_seconds = when.interval_seconds
            schedule.next_run_at = now + timedelta(seconds=when.interval_seconds)
        elif isinstance(when, DelayedWhen):
            if when.delay_in_seconds <= 0:
                raise bad_request("when.delayInSeconds must be a positive number of seconds")
            schedule.delay_in_seconds = when.delay_in_seconds
            schedule.next_run_at = now + timedelta(seconds=when.delay_in_seconds)
        else:
            date = when.date if when.date.tzinfo else when.date.replace(tzinfo=UTC)
            if date <= now:
                raise bad_request("when.date must be in the future")
            schedule.next_run_at = date.astimezone(UTC)
        schedule.id = self._store.ids.new("sch")
        self._store.schedules[schedule.id] = schedule
        logger.info("schedule created", extra={"worker": worker.id, "schedule": schedule.id})
        return schedule

    def list_for(self, worker: WorkerState) -> list[ScheduleState]:
        return [s for s in self._store.schedules.values() if s.worker_id == worker.id]

    def cancel(self, worker: WorkerState, schedule_id: str) -> None:
        schedule = self._store.schedules.get(schedule_id)
        if schedule is None or schedule.worker_id != worker.id:
            raise not_found(f"No schedule {schedule_id} for worker {worker.id}")
        del self._store.schedules[schedule_id]
        logger.info("schedule cancelled", extra={"worker": worker.id, "schedule": schedule_id})

    def fire(self, schedule: ScheduleState) -> None:
        """Run the schedule now and move it on (or drop it if it was one-time)."""
        now = self._clock.now()
        schedule.fired += 1
        if schedule.kind == "cron" and schedule.cron is not None:
            schedule.next_run_at = next_cron_run(schedule.cron, max(now, schedule.next_run_at))
        elif schedule.kind == "interval" and schedule.interval_seconds is not None:
            step = timedelta(seconds=schedule.interval_seconds)
            schedule.next_run_at += step
            if schedule.next_run_at <= now:  # we were late: skip missed runs, keep the phase
                missed = (now - schedule.next_run_at) // step + 1
                schedule.next_run_at += step * missed
        else:
            self._store.schedules.pop(schedule.id, None)
        worker = self._store.workers.get(schedule.worker_id)
        if worker is not None:
            logger.info("schedule fired", extra={"worker": worker.id, "schedule": schedule.id})
            self._engine.enqueue(worker, schedule.input, schedule.budget)

    def fire_due(self) -> int:
        now = self._clock.now()
        due = [s for s in self._store.schedules.values() if s.next_run_at <= now]
        for schedule in due:
            self.fire(schedule)
        return len(due)

    async def run(self) -> None:
        """The background loop; cancelled when the emulator closes."""
        while not self._engine.closed:
            self.fire_due()
            await self._clock.sleep(self.tick)
