"""Turns: numbering per thread, the active and next queued turn, updates."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import StorageError
from storage.engine import Database
from storage.models import ConversationLink, Turn
from storage.repositories import links, turns
from tests.storage.factories import at, make_link, make_turn


async def test_turns_are_numbered_per_link_and_copy_the_thread(any_database: Database) -> None:
    first_link = await make_link(any_database, thread_ts="1.0")
    other_link = await make_link(any_database, thread_ts="2.0")
    async with any_database.transaction() as s:
        await links.set_link_worker(s, link_id=first_link.id, worker_id="wrk_1")
        first_link = await links.set_link_worker(s, link_id=first_link.id, worker_id="wrk_1")

    a = await make_turn(any_database, first_link)
    b = await make_turn(any_database, first_link)
    c = await make_turn(any_database, other_link)

    assert (a.seq, b.seq, c.seq) == (1, 2, 1)
    assert (a.team_id, a.channel_id, a.thread_ts) == ("T1", "C1", "1.0")
    assert a.worker_id == "wrk_1"
    assert (a.known_output_ids, a.messages, a.files_posted) == ([], [], [])
    assert (a.posted_chars, a.footer_posted, a.lease_owner) == (0, False, None)


async def test_concurrent_turns_on_one_thread_get_distinct_numbers(any_database: Database) -> None:
    link = await make_link(any_database)

    made = await asyncio.gather(*(make_turn(any_database, link) for _ in range(10)))

    assert sorted(turn.seq for turn in made) == list(range(1, 11))


async def test_a_turn_needs_an_existing_link(any_database: Database) -> None:
    ghost = ConversationLink(
        id="nope", team_id="T1", channel_id="C1", thread_ts="1", user_id="U1",
        budget="low", origin="dm",
    )  # fmt: skip
    with pytest.raises(StorageError):
        await make_turn(any_database, ghost)


async def test_foreign_keys_are_enforced(any_database: Database) -> None:
    orphan = Turn(
        link_id="missing", team_id="T1", channel_id="C1", thread_ts="1", user_id="U1",
        input="x", budget="low", seq=1,
    )  # fmt: skip
    with pytest.raises(StorageError):
        async with any_database.transaction() as s:
            s.add(orphan)


async def test_active_and_next_queued_turn(any_database: Database) -> None:
    link = await make_link(any_database)
    done = await make_turn(any_database, link, status="done")
    running = await make_turn(any_database, link, status="running")
    queued_1 = await make_turn(any_database, link, status="queued")
    await make_turn(any_database, link, status="queued")

    async with any_database.transaction() as s:
        active = await turns.active_turn_for_link(s, link_id=link.id)
        queued = await turns.next_queued_turn(s, link_id=link.id)
        waiting = await turns.active_or_queued_count(s, link_id=link.id)
        in_order = await turns.turns_for_link(s, link_id=link.id)

    assert active is not None and active.id == running.id
    assert queued is not None and queued.id == queued_1.id
    assert waiting == 3
    assert [turn.seq for turn in in_order] == [1, 2, 3, 4]
    assert in_order[0].id == done.id


async def test_a_link_without_turns_has_no_active_or_queued_turn(any_database: Database) -> None:
    link = await make_link(any_database)

    async with any_database.transaction() as s:
        assert await turns.active_turn_for_link(s, link_id=link.id) is None
        assert await turns.next_queued_turn(s, link_id=link.id) is None
        assert await turns.active_or_queued_count(s, link_id=link.id) == 0


async def test_updates_persist_including_json_fields(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database), status="starting")
    messages = [{"ts": "1.2", "start": 0, "end": 3900, "mode": "update"}]

    async with any_database.transaction() as s:
        row = await turns.get_turn(s, turn_id=turn.id)
        assert row is not None
        await turns.update_turn(
            s, row, status="done", worker_id="wrk_9", known_output_ids=["out_1"],
            messages=messages, posted_chars=3900, footer_posted=True,
            files_posted=["https://files/a.txt"], cost_usd=0.25, error=None,
            started_at=at(1), finished_at=at(2),
        )  # fmt: skip
    async with any_database.transaction() as s:
        stored = await turns.get_turn(s, turn_id=turn.id)

    assert stored is not None
    assert (stored.status, stored.worker_id, stored.cost_usd) == ("done", "wrk_9", 0.25)
    assert stored.known_output_ids == ["out_1"]
    assert stored.messages == messages
    assert stored.files_posted == ["https://files/a.txt"]
    assert (stored.posted_chars, stored.footer_posted) == (3900, True)
    assert (stored.started_at, stored.finished_at) == (at(1), at(2))


async def test_update_turn_refuses_identity_and_lease_fields(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))

    async with any_database.transaction() as s:
        with pytest.raises(TypeError, match="lease_owner"):
            await turns.update_turn(s, turn, lease_owner="me")
        with pytest.raises(TypeError, match="seq"):
            await turns.update_turn(s, turn, seq=7)


async def test_an_unknown_status_is_refused_by_the_database(any_database: Database) -> None:
    turn = await make_turn(any_database, await make_link(any_database))

    with pytest.raises(StorageError):
        async with any_database.transaction() as s:
            row = await turns.get_turn(s, turn_id=turn.id)
            assert row is not None
            await turns.update_turn(s, row, status="exploded")


async def test_recent_turns_are_the_users_own_newest_first(any_database: Database) -> None:
    link = await make_link(any_database)
    made = [await make_turn(any_database, link, created=n) for n in range(3)]
    await make_turn(any_database, link, created=10, user_id="U2")

    async with any_database.transaction() as s:
        recent = await turns.recent_turns_for_user(s, team_id="T1", user_id="U1", limit=2)

    assert [turn.id for turn in recent] == [made[2].id, made[1].id]
    assert recent[0].created_at == at(2)
