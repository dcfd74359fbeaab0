"""De-duplication of Slack events: atomic ``seen`` and pruning."""

from __future__ import annotations

import asyncio

import pytest

from storage.engine import Database
from storage.repositories import events
from tests.storage.factories import at


async def seen(db: Database, event_id: str, now: float = 0) -> bool:
    async with db.transaction() as s:
        return await events.seen(s, event_id=event_id, now=at(now))


async def test_an_event_is_new_once_then_seen(any_database: Database) -> None:
    assert await seen(any_database, "Ev1") is False
    assert await seen(any_database, "Ev1") is True
    assert await seen(any_database, "Ev2") is False


async def test_twenty_concurrent_deliveries_of_one_event_exactly_one_is_new(
    any_database: Database,
) -> None:
    results = await asyncio.gather(*(seen(any_database, "EvSame") for _ in range(20)))

    assert sorted(results) == [False] + [True] * 19


async def test_an_event_recorded_in_a_rolled_back_transaction_is_not_seen(
    any_database: Database,
) -> None:
    with pytest.raises(RuntimeError):
        async with any_database.transaction() as s:
            assert await events.seen(s, event_id="EvLost", now=at(0)) is False
            raise RuntimeError("handler failed")

    assert await seen(any_database, "EvLost") is False


async def test_prune_forgets_only_events_older_than_the_cut_off(any_database: Database) -> None:
    await seen(any_database, "old", now=0)
    await seen(any_database, "edge", now=3600)
    await seen(any_database, "new", now=7200)

    async with any_database.transaction() as s:
        removed = await events.prune_events(s, older_than=at(3600))

    assert removed == 1
    assert await seen(any_database, "old") is False  # forgotten, so new again
    assert await seen(any_database, "edge") is True
    assert await seen(any_database, "new") is True


def test_retention_keeps_events_at_least_an_hour() -> None:
    assert events.EVENT_RETENTION.total_seconds() >= 3600
