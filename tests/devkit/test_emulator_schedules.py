"""Schedules: all four kinds through the SDK, and schedules that really fire."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import handinger
import pytest
from handinger import AsyncHandinger
from handinger.types.workers.worker_schedule import (
    CronWorkerSchedule,
    DelayedWorkerSchedule,
    IntervalWorkerSchedule,
    ScheduledWorkerSchedule,
)

from bot.devkit.emulator.scheduler import next_cron_run
from bot.devkit.emulator.server import Emulator


async def _until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not check():  # noqa: ASYNC110 -- polls emulator state, no event to wait on
            await asyncio.sleep(0.02)


async def _idle_worker(emulator: Emulator, sdk: AsyncHandinger) -> str:
    worker = await sdk.workers.create(input="base task")
    async with asyncio.timeout(5):
        await emulator.wait_idle()
    return worker.id


async def test_create_list_cancel_all_four_kinds(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    before = datetime.now(UTC)

    cron = await sdk.workers.schedules.create(
        worker_id, input="weekly", when={"type": "cron", "cron": "0 9 * * 1"}, budget="low"
    )
    interval = await sdk.workers.schedules.create(
        worker_id, input="hourly", when={"type": "interval", "interval_seconds": 3600}
    )
    delayed = await sdk.workers.schedules.create(
        worker_id, input="later", when={"type": "delayed", "delay_in_seconds": 600}
    )
    scheduled = await sdk.workers.schedules.create(
        worker_id, input="then", when={"type": "scheduled", "date": at}
    )
    after = datetime.now(UTC)

    assert isinstance(cron, CronWorkerSchedule) and cron.cron == "0 9 * * 1"
    assert cron.budget == "low" and interval.budget == "standard"
    assert cron.next_run_at in {next_cron_run(cron.cron, before), next_cron_run(cron.cron, after)}
    assert isinstance(interval, IntervalWorkerSchedule) and interval.interval_seconds == 3600
    assert before + timedelta(hours=1) - timedelta(seconds=1) <= interval.next_run_at
    assert interval.next_run_at <= after + timedelta(hours=1)
    assert isinstance(delayed, DelayedWorkerSchedule) and delayed.delay_in_seconds == 600
    assert isinstance(scheduled, ScheduledWorkerSchedule) and scheduled.next_run_at == at
    for schedule in (cron, interval, delayed, scheduled):
        assert schedule.id.startswith("sch_") and len(schedule.id) == 28

    listed = await sdk.workers.schedules.list(worker_id)
    assert listed.worker_id == worker_id
    assert [s.id for s in listed.schedules] == [cron.id, interval.id, delayed.id, scheduled.id]

    for schedule in (cron, interval, delayed, scheduled):
        cancelled = await sdk.workers.schedules.cancel(schedule.id, worker_id=worker_id)
        assert cancelled.cancelled is True
    assert (await sdk.workers.schedules.list(worker_id)).schedules == []
    with pytest.raises(handinger.NotFoundError):
        await sdk.workers.schedules.cancel(cron.id, worker_id=worker_id)


async def test_delayed_schedule_fires_once_then_leaves_the_list(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    await sdk.workers.schedules.create(
        worker_id, input="the delayed report", when={"type": "delayed", "delay_in_seconds": 1}
    )

    worker = emulator.worker(worker_id)
    await _until(lambda: len(worker.turns) == 2 and worker.active is None)

    assert worker.turns[1].origin == "schedule"
    assert "the delayed report" in worker.outputs[1].text
    assert (await sdk.workers.schedules.list(worker_id)).schedules == []


async def test_scheduled_date_fires_once(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    at = datetime.now(UTC) + timedelta(seconds=1)
    await sdk.workers.schedules.create(
        worker_id, input="at a date", when={"type": "scheduled", "date": at}
    )

    worker = emulator.worker(worker_id)
    await _until(lambda: len(worker.turns) == 2 and worker.active is None)

    assert (await sdk.workers.schedules.list(worker_id)).schedules == []


async def test_interval_schedule_fires_repeatedly_until_cancelled(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    schedule = await sdk.workers.schedules.create(
        worker_id, input="tick", when={"type": "interval", "interval_seconds": 1}
    )
    first_next = schedule.next_run_at

    await _until(lambda: emulator.schedules[schedule.id].fired >= 2)
    listed = await sdk.workers.schedules.list(worker_id)
    await sdk.workers.schedules.cancel(schedule.id, worker_id=worker_id)

    assert listed.schedules[0].next_run_at >= first_next + timedelta(seconds=2)
    assert listed.schedules[0].next_run_at > datetime.now(UTC) - timedelta(seconds=1)
    assert schedule.id not in emulator.schedules
    async with asyncio.timeout(5):
        await emulator.wait_idle()
    assert sum(t.origin == "schedule" for t in emulator.worker(worker_id).turns) >= 2


async def test_cron_schedule_fires_and_keeps_next_run_current(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    # croniter reads a sixth field as seconds: this one is due every second.
    schedule = await sdk.workers.schedules.create(
        worker_id, input="cron run", when={"type": "cron", "cron": "* * * * * *"}
    )

    await _until(lambda: emulator.schedules[schedule.id].fired >= 1)
    listed = (await sdk.workers.schedules.list(worker_id)).schedules[0]

    assert listed.next_run_at > schedule.next_run_at
    assert any(t.origin == "schedule" for t in emulator.worker(worker_id).turns)


async def test_fired_cron_moves_next_run_to_the_following_match(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker_id = await _idle_worker(emulator, sdk)
    schedule = await sdk.workers.schedules.create(
        worker_id, input="monday report", when={"type": "cron", "cron": "0 9 * * 1"}
    )

    emulator.fire_schedule(schedule.id)
    listed = (await sdk.workers.schedules.list(worker_id)).schedules[0]

    assert listed.next_run_at == next_cron_run("0 9 * * 1", schedule.next_run_at)
    assert listed.next_run_at - schedule.next_run_at == timedelta(days=7)


async def test_run_that_finds_the_worker_busy_starts_right_after(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker = await sdk.workers.create(input="busy for a while deltas=10 pace=0.02")
    schedule = await sdk.workers.schedules.create(
        worker.id, input="queued report", when={"type": "delayed", "delay_in_seconds": 600}
    )

    emulator.fire_schedule(schedule.id)
    state = emulator.worker(worker.id)
    assert len(state.turns) == 1 and len(state.queued) == 1
    async with asyncio.timeout(5):
        await emulator.wait_idle()

    assert [t.origin for t in state.turns] == ["create", "schedule"]
    assert [t.status for t in state.turns] == ["completed", "completed"]
    assert "queued report" in state.outputs[1].text
