"""Report delivery: runs fired on the Workers API are posted to the channel once each,
replies continue the worker, failures say so, one-time schedules end, two bot processes
on PostgreSQL and a restart between firing and posting post each run once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from bot.devkit.slack.state import TEAM_ID
from bot.schedules.service import NewSchedule
from bot.workers.models import IntervalWhen, ScheduledWhen
from storage.repositories import deliveries
from tests.bot.harness import BOB, CHANNEL, Stack, thread_replies_text, wait_finished
from tests.fixtures.storage import postgres_url
from tests.schedules_e2e.support import bot_stack, reports, wait_reports


def sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/bot.db"


async def _schedule(stack: Stack, task: str = "daily digest", **when: object) -> tuple[str, str]:
    worker = await stack.deps.workers.create("set up the digest", budget="low")
    await stack.emulator.wait_idle()
    created = await stack.deps.schedules.create(
        NewSchedule(
            team_id=TEAM_ID,
            channel_id=CHANNEL,
            creator_id=BOB,
            task=task,
            budget="low",
            when=when.get("when") or IntervalWhen(interval_seconds=3600),  # type: ignore[arg-type]
            worker_id=worker.id,
        )
    )
    return created.schedule.id, worker.id


async def test_each_fired_run_is_posted_once_and_a_reply_continues_the_worker(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        schedule_id, worker_id = await _schedule(stack)
        assert await stack.deps.reports.poll_once() == 0  # nothing ran yet
        for count in (1, 2):
            emulator.fire_schedule(schedule_id)
            assert await stack.deps.reports.poll_once() == 1
            assert await stack.deps.reports.poll_once() == 0  # the same run, not again
            posted = await wait_reports(fake_slack, CHANNEL, count)
            assert len(posted) == count
            await emulator.wait_idle()
        worker = emulator.worker(worker_id)
        first, second = reports(fake_slack, CHANNEL)
        setup, run1, run2 = (item.text for item in worker.outputs)
        shown1 = thread_replies_text(fake_slack, CHANNEL, first.ts)
        shown2 = thread_replies_text(fake_slack, CHANNEL, second.ts)
        assert run1 in shown1 and setup not in shown1 and run2 not in shown1
        assert run2 in shown2 and run1 not in shown2
        assert "$" in shown1 and "tokens" in shown1  # the turn footer: cost, tokens
        header = fake_slack.visible_text(CHANNEL, first.ts)
        assert "daily digest" in header and "<!date^" in str(first.blocks)

        await stack.driver.message(BOB, CHANNEL, "and compare with last week", first.ts)
        await fake_slack.wait_for(lambda: len(emulator.worker(worker_id).turns) == 4)
        await emulator.wait_idle()
        await fake_slack.wait_for(
            lambda: (
                emulator.worker(worker_id).outputs[-1].text
                in thread_replies_text(fake_slack, CHANNEL, first.ts)
            )
        )
        assert len(reports(fake_slack, CHANNEL)) == 2


async def test_a_failed_run_is_reported_as_failed(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        schedule_id, _ = await _schedule(stack, "fail the nightly check")
        emulator.fire_schedule(schedule_id)
        assert await stack.deps.reports.poll_once() == 1
        (report,) = reports(fake_slack, CHANNEL)
        assert await wait_finished(fake_slack, CHANNEL, report.ts) == "x"
        assert "fail" in thread_replies_text(fake_slack, CHANNEL, report.ts).lower()


async def test_a_one_time_schedule_is_posted_when_it_fires_and_then_done(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        at = stack.deps.clock.now() + timedelta(seconds=1)
        schedule_id, _ = await _schedule(stack, "one-off audit", when=ScheduledWhen(date=at))
        await fake_slack.wait_for(lambda: schedule_id not in emulator.schedules)  # it fired
        assert await stack.deps.reports.poll_once() == 1
        await wait_reports(fake_slack, CHANNEL, 1)
        stored = await stack.deps.schedules.get(schedule_id)
        assert stored is not None and stored.state == "done"
        assert await stack.deps.reports.poll_once() == 0


async def test_a_restart_between_firing_and_posting_posts_the_run_once(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        schedule_id, _ = await _schedule(stack)
    emulator.fire_schedule(schedule_id)  # while no bot runs
    await emulator.wait_idle()
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        await wait_reports(fake_slack, CHANNEL, 1)  # found by the poll at start
        assert await stack.deps.reports.poll_once() == 0
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        assert await stack.deps.reports.poll_once() == 0
    assert len(reports(fake_slack, CHANNEL)) == 1


async def test_a_claim_left_by_a_dead_process_is_taken_over_and_posted_once(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        schedule_id, _ = await _schedule(stack)
        stored = await stack.deps.schedules.get(schedule_id)
        assert stored is not None and stored.next_run_at is not None
        emulator.fire_schedule(schedule_id)
        now = stack.deps.clock.now()
        async with stack.deps.db.transaction() as session:  # a process that then died
            claimed = await deliveries.claim_delivery(
                session,
                schedule_id=schedule_id,
                run_key=stored.next_run_at.isoformat(timespec="seconds"),
                owner="dead-process",
                ttl=0.5,
                now=now - timedelta(seconds=1),
            )
        assert claimed is not None
        assert await stack.deps.reports.poll_once() == 1  # its lease had expired
        await wait_reports(fake_slack, CHANNEL, 1)
        assert await stack.deps.reports.poll_once() == 0
    assert len(reports(fake_slack, CHANNEL)) == 1


@pytest.mark.postgres
async def test_two_bot_processes_on_postgresql_post_each_run_once(
    fake_slack: FakeSlack, emulator: Emulator, pg_schema: str
) -> None:
    url = postgres_url()
    async with (
        bot_stack(fake_slack, emulator, url, schema=pg_schema) as one,
        bot_stack(fake_slack, emulator, url, schema=pg_schema) as two,
    ):
        assert one.deps.reports._owner != two.deps.reports._owner
        schedule_id, _ = await _schedule(one)
        for count in (1, 2, 3):
            emulator.fire_schedule(schedule_id)
            posted = await asyncio.gather(
                one.deps.reports.poll_once(),
                two.deps.reports.poll_once(),
                one.deps.reports.poll_once(),
                two.deps.reports.poll_once(),
            )
            assert sum(posted) == 1
            await wait_reports(fake_slack, CHANNEL, count)
            await emulator.wait_idle()
            await one.deps.supervisor.drain()
            await two.deps.supervisor.drain()
        assert len(reports(fake_slack, CHANNEL)) == 3
