"""Leases on turns: claim, renew, release, take-over after expiry, concurrent claimers."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import LeaseLost
from storage import leases
from storage.engine import Database
from storage.models import Turn
from tests.storage.factories import at, make_link, make_turn

TTL = 30.0


async def claim(db: Database, turn_id: str, owner: str, now: float) -> Turn | None:
    async with db.transaction() as s:
        return await leases.claim(s, turn_id=turn_id, owner=owner, ttl=TTL, now=at(now))


async def test_a_free_turn_is_claimed_once(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))

    first = await claim(any_database, turn.id, "alpha", now=0)
    second = await claim(any_database, turn.id, "beta", now=1)

    assert first is not None
    assert first.lease_owner == "alpha"
    assert first.lease_expires_at == at(TTL)
    assert second is None


async def test_a_dead_owners_lease_is_taken_over_after_expiry_and_not_before(
    any_database: Database,
) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    assert await claim(any_database, turn.id, "dead", now=0) is not None

    just_before = await claim(any_database, turn.id, "heir", now=TTL - 0.001)
    at_expiry = await claim(any_database, turn.id, "heir", now=TTL)

    assert just_before is None
    assert at_expiry is not None
    assert at_expiry.lease_owner == "heir"
    assert at_expiry.lease_expires_at == at(2 * TTL)


async def test_finished_turns_cannot_be_claimed(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database), status="done")

    assert await claim(any_database, turn.id, "alpha", now=0) is None


async def test_claim_does_not_extend_the_holders_own_lease(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    await claim(any_database, turn.id, "alpha", now=0)

    assert await claim(any_database, turn.id, "alpha", now=1) is None


async def test_renew_extends_only_the_holders_lease(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    await claim(any_database, turn.id, "alpha", now=0)

    async with any_database.transaction() as s:
        renewed = await leases.renew(s, turn_id=turn.id, owner="alpha", ttl=TTL, now=at(20))
    with pytest.raises(LeaseLost):
        async with any_database.transaction() as s:
            await leases.renew(s, turn_id=turn.id, owner="beta", ttl=TTL, now=at(21))

    assert renewed.lease_expires_at == at(20 + TTL)
    assert await claim(any_database, turn.id, "beta", now=TTL + 1) is None  # still alpha's


async def test_renew_after_a_take_over_raises_lease_lost(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    await claim(any_database, turn.id, "slow", now=0)
    await claim(any_database, turn.id, "heir", now=TTL + 1)

    with pytest.raises(LeaseLost):
        async with any_database.transaction() as s:
            await leases.renew(s, turn_id=turn.id, owner="slow", ttl=TTL, now=at(TTL + 2))


async def test_an_expired_lease_nobody_took_can_still_be_renewed(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    await claim(any_database, turn.id, "alpha", now=0)

    async with any_database.transaction() as s:
        renewed = await leases.renew(s, turn_id=turn.id, owner="alpha", ttl=TTL, now=at(TTL + 5))

    assert renewed.lease_expires_at == at(2 * TTL + 5)


async def test_release_frees_the_lease_only_for_its_holder(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))
    await claim(any_database, turn.id, "alpha", now=0)

    async with any_database.transaction() as s:
        by_stranger = await leases.release(s, turn_id=turn.id, owner="beta")
    assert by_stranger is None
    assert await claim(any_database, turn.id, "beta", now=1) is None

    async with any_database.transaction() as s:
        by_holder = await leases.release(s, turn_id=turn.id, owner="alpha")
    assert by_holder is not None
    assert by_holder.lease_owner is None
    assert by_holder.lease_expires_at is None
    assert await claim(any_database, turn.id, "beta", now=2) is not None


async def test_twenty_concurrent_claimers_exactly_one_wins(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))

    results = await asyncio.gather(
        *(claim(any_database, turn.id, f"owner-{n}", now=0) for n in range(20))
    )

    winners = [row for row in results if row is not None]
    assert len(winners) == 1
    async with any_database.transaction() as s:
        stored = await s.get(Turn, turn.id)
    assert stored is not None
    assert stored.lease_owner == winners[0].lease_owner


async def test_claim_expired_turns_takes_unfinished_turns_without_a_live_lease(
    any_database: Database,
) -> None:
    link = await make_link(any_database)
    orphan = await make_turn(any_database, link, status="running", created=1)
    leased = await make_turn(any_database, link, status="running", created=2)
    finished = await make_turn(any_database, link, status="done", created=3)
    queued = await make_turn(any_database, link, status="queued", created=4)
    dead = await make_turn(any_database, link, status="starting", created=5)
    await claim(any_database, leased.id, "alive", now=100)
    await claim(any_database, dead.id, "dead", now=0)

    async with any_database.transaction() as s:
        taken = await leases.claim_expired_turns(s, owner="sweeper", ttl=TTL, now=at(100), limit=10)

    assert [turn.id for turn in taken] == [orphan.id, queued.id, dead.id]
    assert {turn.lease_owner for turn in taken} == {"sweeper"}
    assert finished.id not in {turn.id for turn in taken}


async def test_claim_expired_turns_respects_the_limit_oldest_first(any_database: Database) -> None:
    link = await make_link(any_database)
    made = [await make_turn(any_database, link, created=n) for n in range(5)]

    async with any_database.transaction() as s:
        taken = await leases.claim_expired_turns(s, owner="sweeper", ttl=TTL, now=at(10), limit=2)

    assert [turn.id for turn in taken] == [made[0].id, made[1].id]


async def test_concurrent_sweepers_never_claim_the_same_turn(any_database: Database) -> None:
    link = await make_link(any_database)
    made = [await make_turn(any_database, link, created=n) for n in range(12)]

    async def sweep(owner: str) -> list[Turn]:
        async with any_database.transaction() as s:
            return await leases.claim_expired_turns(s, owner=owner, ttl=TTL, now=at(50), limit=3)

    batches = await asyncio.gather(*(sweep(f"sweeper-{n}") for n in range(8)))

    claimed = [turn.id for batch in batches for turn in batch]
    assert sorted(claimed) == sorted(turn.id for turn in made)
