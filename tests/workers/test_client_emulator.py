"""``WorkersClient`` against the Workers API emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.devkit.emulator.server import Emulator, running_emulator
from bot.errors import (
    WorkersFileTooLarge,
    WorkersNotFound,
    WorkersRateLimited,
    WorkersRejected,
    WorkersUnauthorized,
    WorkersUnavailable,
)
from bot.workers.client import WorkersClient
from bot.workers.events import Delta, Snapshot, StreamEnd, StreamEvent
from bot.workers.models import (
    CreateSchedule,
    CronSchedule,
    CronWhen,
    DelayedSchedule,
    DelayedWhen,
    IntervalSchedule,
    IntervalWhen,
    ScheduledSchedule,
    ScheduledWhen,
    Worker,
)
from bot.workers.port import WorkersPort
from tests.workers.fakes import RecordingClock

KEY = "test-key"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with running_emulator(api_key=KEY, pace=0.005) as running:
        yield running


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
async def client(emu: Emulator, clock: RecordingClock) -> AsyncIterator[WorkersClient]:
    async with WorkersClient(emu.url, KEY, backoff_base=0.01, clock=clock) as running:
        yield running


async def idle(emu: Emulator) -> None:
    async with asyncio.timeout(10):
        await emu.wait_idle()


async def collect(port: WorkersPort, worker_id: str) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    async with asyncio.timeout(10):
        async for event in port.stream(worker_id):
            events.append(event)
    return events


def deltas_text(events: list[StreamEvent]) -> str:
    return "".join(event.text for event in events if isinstance(event, Delta))


def posts(emu: Emulator, path: str) -> int:
    return emu.request_log.count(("POST", path))


# --- workers ------------------------------------------------------------------------------


async def test_create_retrieve_and_continue(emu: Emulator, client: WorkersClient) -> None:
    created = await client.create("summarise the incident deltas=3", budget="low")
    assert created.status in ("pending", "running")
    await idle(emu)
    first = await client.retrieve(created.id)
    assert first.finished
    assert first.output_text == emu.worker(created.id).output_text
    assert len(first.output) == 1

    continued = await client.continue_(created.id, "and the follow-up deltas=3")
    assert continued.id == created.id
    await idle(emu)
    second = await client.retrieve(created.id)
    assert len(second.output) == 2
    assert second.output[0].text == first.output[0].text
    assert second.usage is not None
    assert second.usage.steps >= 1


async def test_continue_while_running_is_rejected_with_the_servers_message(
    emu: Emulator, client: WorkersClient
) -> None:
    worker = await client.create("a slow one deltas=3 pace=0.2")
    with pytest.raises(WorkersRejected) as caught:
        await client.continue_(worker.id, "too early")
    assert caught.value.status == 409
    assert "still running" in caught.value.message


async def test_bad_key_and_unknown_worker(emu: Emulator, clock: RecordingClock) -> None:
    async with WorkersClient(emu.url, "wrong-key", clock=clock) as wrong:
        with pytest.raises(WorkersUnauthorized) as caught:
            await wrong.create("task")
    assert "wrong-key" not in str(caught.value)
    async with WorkersClient(emu.url, KEY, clock=clock) as right:
        for call in (
            right.retrieve("wrk_missing"),
            right.continue_("wrk_missing", "more"),
            right.email_address("wrk_missing"),
            right.list_schedules("wrk_missing"),
        ):
            with pytest.raises(WorkersNotFound):
                await call
        with pytest.raises(WorkersNotFound):
            await collect(right, "wrk_missing")
    assert clock.sleeps == []


async def test_email_address(emu: Emulator, client: WorkersClient) -> None:
    worker = await client.create("task deltas=3")
    address = await client.email_address(worker.id)
    assert address.startswith(worker.id)
    assert "@" in address


# --- the stream ---------------------------------------------------------------------------


async def test_stream_of_a_running_turn(emu: Emulator, client: WorkersClient) -> None:
    worker = await client.create("stream me deltas=6")
    events = await collect(client, worker.id)
    first, last_snapshot, end = events[0], events[-2], events[-1]
    assert isinstance(first, Snapshot)
    assert first.worker.output == []  # only completed turns are in a snapshot
    assert isinstance(last_snapshot, Snapshot)
    assert last_snapshot.worker.finished
    assert isinstance(end, StreamEnd)
    assert end.reason == "closed"
    final = last_snapshot.worker.output[-1]
    assert deltas_text(events) == final.text
    assert {e.output_id for e in events if isinstance(e, Delta)} == {final.id}


async def test_stream_of_an_idle_worker_is_one_snapshot(
    emu: Emulator, client: WorkersClient
) -> None:
    worker = await client.create("quick deltas=3")
    await idle(emu)
    events = await collect(client, worker.id)
    assert len(events) == 2
    assert isinstance(events[0], Snapshot)
    assert events[0].worker.output_text == emu.worker(worker.id).output_text
    assert isinstance(events[1], StreamEnd)
    assert events[1].reason == "closed"


async def test_keep_alives_are_skipped_and_counted(emu: Emulator, client: WorkersClient) -> None:
    emu.keepalive = 0.01
    worker = await client.create("slow deltas=2 pace=0.15")
    events = await collect(client, worker.id)
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.reason == "closed"
    assert end.skipped.comments > 0
    assert end.skipped.total == end.skipped.comments
    assert all(isinstance(e, Snapshot | Delta) for e in events[:-1])


async def test_a_dropped_stream_ends_dropped_and_retrieve_has_everything(
    emu: Emulator, client: WorkersClient
) -> None:
    emu.faults.drop_stream_after = 3
    worker = await client.create("long one deltas=12 pace=0.01")
    events = await collect(client, worker.id)
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.reason == "dropped"
    assert len(events) == 4  # snapshot, two deltas, then the cut
    partial = deltas_text(events)
    await idle(emu)
    final = await client.retrieve(worker.id)
    assert final.finished
    assert final.output_text.startswith(partial)
    assert len(final.output_text) > len(partial)
    assert final.output_text == emu.worker(worker.id).output_text


async def test_opening_a_stream_is_retried_like_a_get(
    emu: Emulator, client: WorkersClient, clock: RecordingClock
) -> None:
    worker = await client.create("task deltas=3")
    await idle(emu)
    emu.faults.fail_next(2, status=503, paths=["*/stream"])
    events = await collect(client, worker.id)
    assert isinstance(events[0], Snapshot)
    assert emu.request_log.count(("GET", f"/api/workers/{worker.id}/stream")) == 3
    assert len(clock.sleeps) == 2


# --- retries against the emulator's faults ------------------------------------------------


async def test_5xx_on_a_get_is_retried_then_surfaced(
    emu: Emulator, client: WorkersClient, clock: RecordingClock
) -> None:
    worker = await client.create("task deltas=3")
    path = f"/api/workers/{worker.id}"
    emu.faults.fail_next(2, status=502)
    assert (await client.retrieve(worker.id)).id == worker.id
    assert emu.request_log.count(("GET", path)) == 3
    emu.faults.fail_next(5, status=503)
    with pytest.raises(WorkersUnavailable) as caught:
        await client.retrieve(worker.id)
    assert caught.value.status == 503
    assert emu.request_log.count(("GET", path)) == 3 + 5  # first try + max_retries=4
    assert len(clock.sleeps) == 2 + 4


async def test_a_post_that_got_a_5xx_is_not_retried(
    emu: Emulator, client: WorkersClient, clock: RecordingClock
) -> None:
    emu.faults.fail_next(1, status=503)
    with pytest.raises(WorkersUnavailable):
        await client.create("task")
    assert posts(emu, "/api/workers") == 1
    assert emu.workers == {}

    worker = await client.create("task deltas=3")
    await idle(emu)
    emu.faults.fail_next(1, status=500)
    with pytest.raises(WorkersUnavailable):
        await client.continue_(worker.id, "more")
    assert posts(emu, f"/api/workers/{worker.id}") == 1
    emu.faults.fail_next(1, status=503)
    body = CreateSchedule(input="daily", when=CronWhen(cron="0 9 * * *"))
    with pytest.raises(WorkersUnavailable):
        await client.create_schedule(worker.id, body)
    assert posts(emu, f"/api/workers/{worker.id}/schedules") == 1
    assert clock.sleeps == []


async def test_a_post_is_retried_on_429_after_retry_after(
    emu: Emulator, client: WorkersClient, clock: RecordingClock
) -> None:
    emu.faults.fail_next(1, status=429, retry_after=1)
    worker = await client.create("task deltas=3")
    assert posts(emu, "/api/workers") == 2
    assert list(emu.workers) == [worker.id]  # one worker, not two
    assert clock.sleeps == [1.0]


async def test_429_that_never_ends_is_surfaced_with_retry_after(
    emu: Emulator, client: WorkersClient, clock: RecordingClock
) -> None:
    emu.faults.fail_next(5, status=429, retry_after=2)
    with pytest.raises(WorkersRateLimited) as caught:
        await client.list_schedules("wrk_any")
    assert caught.value.retry_after == 2.0
    assert clock.sleeps == [2.0] * 4


# --- files --------------------------------------------------------------------------------


async def finished(emu: Emulator, client: WorkersClient, task: str) -> Worker:
    worker = await client.create(task)
    await idle(emu)
    return await client.retrieve(worker.id)


async def test_download_a_published_file(emu: Emulator, client: WorkersClient) -> None:
    worker = await finished(emu, client, "make a table file deltas=3")
    (published,) = worker.files
    data = await client.download_file(published.url, max_bytes=1_000_000)
    assert data == emu.worker(worker.id).files["report.csv"].data
    path = f"/api/workers/{worker.id}/files/report.csv"
    assert await client.download_file(path, max_bytes=1_000_000) == data


async def test_a_big_file_is_refused_and_a_missing_one_not_found(
    emu: Emulator, client: WorkersClient
) -> None:
    worker = await finished(emu, client, "big export file=big deltas=3")
    (published,) = worker.files
    with pytest.raises(WorkersFileTooLarge):
        await client.download_file(published.url, max_bytes=1024 * 1024)
    with pytest.raises(WorkersNotFound):
        await client.download_file(f"/api/workers/{worker.id}/files/none.csv", max_bytes=10)


# --- schedules ----------------------------------------------------------------------------


async def test_schedules_of_every_kind(emu: Emulator, client: WorkersClient) -> None:
    worker = await finished(emu, client, "base task deltas=3")
    future = datetime.now(UTC) + timedelta(days=1)
    created = [
        await client.create_schedule(
            worker.id, CreateSchedule(input="cron", when=CronWhen(cron="0 9 * * 1"))
        ),
        await client.create_schedule(
            worker.id,
            CreateSchedule(input="every", when=IntervalWhen(interval_seconds=3600), budget="high"),
        ),
        await client.create_schedule(
            worker.id, CreateSchedule(input="later", when=DelayedWhen(delay_in_seconds=600))
        ),
        await client.create_schedule(
            worker.id, CreateSchedule(input="once", when=ScheduledWhen(date=future))
        ),
    ]
    kinds: list[type[Any]] = [CronSchedule, IntervalSchedule, DelayedSchedule, ScheduledSchedule]
    assert [type(s) for s in created] == kinds
    assert created[1].budget == "high"
    listed = await client.list_schedules(worker.id)
    assert sorted(s.id for s in listed) == sorted(s.id for s in created)

    assert await client.cancel_schedule(worker.id, created[0].id) is True
    assert created[0].id not in {s.id for s in await client.list_schedules(worker.id)}
    with pytest.raises(WorkersNotFound):
        await client.cancel_schedule(worker.id, "sch_missing")


async def test_a_bad_schedule_is_rejected_with_the_servers_message(
    emu: Emulator, client: WorkersClient
) -> None:
    worker = await finished(emu, client, "base task deltas=3")
    with pytest.raises(WorkersRejected) as caught:
        await client.create_schedule(
            worker.id, CreateSchedule(input="x", when=CronWhen(cron="not a cron"))
        )
    assert caught.value.status == 400
    assert caught.value.message == "Invalid cron expression: 'not a cron'"


async def test_leaving_a_stream_early_keeps_the_client_usable(
    emu: Emulator, client: WorkersClient
) -> None:
    worker = await client.create("many deltas=20 pace=0.05")
    async with aclosing(client.stream(worker.id)) as events:
        async for event in events:
            assert isinstance(event, Snapshot)
            break
    assert (await client.retrieve(worker.id)).id == worker.id
