"""Schedules and the deliveries of their runs (unique per run, posted once)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from bot.errors import LeaseLost
from storage.engine import Database
from storage.models import Delivery, Schedule
from storage.repositories import deliveries, schedules
from storage.types import ScheduleState
from tests.storage.factories import at

TTL = 60.0


async def add(
    db: Database, schedule_id: str, *, channel: str = "C1", creator: str = "U1",
    worker: str = "wrk_1", created: float = 0,
) -> Schedule:  # fmt: skip
    async with db.transaction() as s:
        return await schedules.add_schedule(
            s, schedule_id=schedule_id, worker_id=worker, team_id="T1", channel_id=channel,
            creator_id=creator, kind="cron", spec="0 9 * * 1-5", budget="low",
            task="daily digest", time_zone="Europe/Madrid", next_run_at=at(3600),
            now=at(created),
        )  # fmt: skip


async def set_state(db: Database, schedule_id: str, state: ScheduleState) -> None:
    async with db.transaction() as s:
        await schedules.set_schedule_state(s, schedule_id=schedule_id, state=state)


async def claim(db: Database, owner: str, now: float, run_key: str = "run-1") -> Delivery | None:
    async with db.transaction() as s:
        return await deliveries.claim_delivery(
            s, schedule_id="sch_1", run_key=run_key, owner=owner, ttl=TTL, now=at(now)
        )


async def test_schedules_are_listed_by_channel_creator_and_worker(any_database: Database) -> None:
    await add(any_database, "sch_1", created=1)
    await add(any_database, "sch_2", channel="C2", creator="U2", worker="wrk_2", created=2)
    await add(any_database, "sch_3", created=3)
    await set_state(any_database, "sch_3", "cancelled")

    async with any_database.transaction() as s:
        in_c1 = await schedules.schedules_for_channel(s, team_id="T1", channel_id="C1")
        all_c1 = await schedules.schedules_for_channel(
            s, team_id="T1", channel_id="C1", states=("active", "cancelled")
        )
        by_u2 = await schedules.schedules_for_creator(s, team_id="T1", creator_id="U2")
        of_wrk1 = await schedules.schedules_for_worker(s, worker_id="wrk_1")
        active = await schedules.active_schedules(s)
        one = await schedules.get_schedule(s, schedule_id="sch_1")

    assert [row.id for row in in_c1] == ["sch_1"]
    assert [row.id for row in all_c1] == ["sch_1", "sch_3"]
    assert [row.id for row in by_u2] == ["sch_2"]
    assert [row.id for row in of_wrk1] == ["sch_1"]
    assert [row.id for row in active] == ["sch_1", "sch_2"]
    assert one is not None
    assert (one.kind, one.spec, one.time_zone, one.state) == (
        "cron", "0 9 * * 1-5", "Europe/Madrid", "active",
    )  # fmt: skip
    assert one.next_run_at == at(3600)


async def test_runs_and_state_changes_are_recorded(any_database: Database) -> None:
    await add(any_database, "sch_1")

    async with any_database.transaction() as s:
        await schedules.record_schedule_run(
            s, schedule_id="sch_1", next_run_at=at(7200), last_seen_run_at=at(3600)
        )
        missing = await schedules.set_schedule_state(s, schedule_id="nope", state="done")
    await set_state(any_database, "sch_1", "done")
    async with any_database.transaction() as s:
        stored = await schedules.get_schedule(s, schedule_id="sch_1")

    assert missing is None
    assert stored is not None
    assert (stored.next_run_at, stored.last_seen_run_at, stored.state) == (
        at(7200), at(3600), "done",
    )  # fmt: skip


async def test_a_run_is_claimed_by_one_process_only(any_database: Database) -> None:
    await add(any_database, "sch_1")

    first = await claim(any_database, "alpha", now=0)
    second = await claim(any_database, "beta", now=1)
    other_run = await claim(any_database, "beta", now=1, run_key="run-2")

    assert first is not None
    assert (first.status, first.lease_owner, first.lease_expires_at) == (
        "claimed", "alpha", at(TTL),
    )  # fmt: skip
    assert second is None
    assert other_run is not None


async def test_a_dead_claimers_delivery_is_taken_over_after_expiry_only(
    any_database: Database,
) -> None:
    await add(any_database, "sch_1")
    first = await claim(any_database, "dead", now=0)

    before = await claim(any_database, "heir", now=TTL - 0.001)
    after = await claim(any_database, "heir", now=TTL)

    assert before is None
    assert first is not None and after is not None
    assert after.id == first.id
    assert after.lease_owner == "heir"
    with pytest.raises(LeaseLost):
        async with any_database.transaction() as s:
            await deliveries.mark_delivery_posted(
                s, delivery_id=first.id, owner="dead", posted_ts="1.1"
            )


async def test_a_posted_delivery_is_never_claimed_again(any_database: Database) -> None:
    await add(any_database, "sch_1")
    delivery = await claim(any_database, "alpha", now=0)
    assert delivery is not None
    async with any_database.transaction() as s:
        posted = await deliveries.mark_delivery_posted(
            s, delivery_id=delivery.id, owner="alpha", posted_ts="1700.1"
        )

    assert (posted.status, posted.posted_ts, posted.lease_owner) == ("posted", "1700.1", None)
    assert await claim(any_database, "beta", now=10 * TTL) is None


async def test_a_failed_delivery_is_final(any_database: Database) -> None:
    await add(any_database, "sch_1")
    delivery = await claim(any_database, "alpha", now=0)
    assert delivery is not None
    async with any_database.transaction() as s:
        failed = await deliveries.mark_delivery_failed(s, delivery_id=delivery.id, owner="alpha")

    assert failed.status == "failed"
    assert await claim(any_database, "beta", now=10 * TTL) is None


async def test_renewing_a_delivery_keeps_it_from_being_taken_over(any_database: Database) -> None:
    await add(any_database, "sch_1")
    delivery = await claim(any_database, "alpha", now=0)
    assert delivery is not None

    async with any_database.transaction() as s:
        await deliveries.renew_delivery(
            s, delivery_id=delivery.id, owner="alpha", ttl=TTL, now=at(TTL - 1)
        )
    with pytest.raises(LeaseLost):
        async with any_database.transaction() as s:
            await deliveries.renew_delivery(
                s, delivery_id=delivery.id, owner="beta", ttl=TTL, now=at(TTL)
            )

    assert await claim(any_database, "beta", now=TTL + 1) is None
    async with any_database.transaction() as s:
        stored = await deliveries.get_delivery(s, schedule_id="sch_1", run_key="run-1")
    assert stored is not None and stored.lease_owner == "alpha"


async def test_twenty_concurrent_claims_of_one_run_make_one_row_and_one_winner(
    any_database: Database,
) -> None:
    await add(any_database, "sch_1")

    results = await asyncio.gather(*(claim(any_database, f"p{n}", now=0) for n in range(20)))

    winners = [row for row in results if row is not None]
    assert len(winners) == 1
    async with any_database.transaction() as s:
        rows = await s.scalar(select(func.count()).select_from(Delivery))
    assert rows == 1
