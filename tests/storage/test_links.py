"""Conversation links: one per Slack thread, races return the existing row."""

from __future__ import annotations

import asyncio

from storage.engine import Database
from storage.models import ConversationLink
from storage.repositories import links
from tests.storage.factories import at, make_link


async def create(db: Database, *, user_id: str, thread_ts: str = "1.1") -> ConversationLink:
    async with db.transaction() as s:
        return await links.create_link(
            s,
            team_id="T1",
            channel_id="C1",
            thread_ts=thread_ts,
            user_id=user_id,
            budget="low",
            origin="mention",
            now=at(0),
        )


async def test_a_created_link_is_found_by_its_thread(any_database: Database) -> None:
    made = await create(any_database, user_id="U1")

    async with any_database.transaction() as s:
        found = await links.get_link(s, team_id="T1", channel_id="C1", thread_ts="1.1")
        other = await links.get_link(s, team_id="T1", channel_id="C2", thread_ts="1.1")
        by_id = await links.get_link_by_id(s, link_id=made.id)

    assert found is not None
    assert (found.id, found.user_id, found.origin, found.budget) == (
        made.id,
        "U1",
        "mention",
        "low",
    )
    assert found.created_at == at(0)
    assert found.worker_id is None
    assert other is None
    assert by_id is not None and by_id.id == made.id


async def test_creating_a_linked_thread_again_returns_the_first_link(
    any_database: Database,
) -> None:
    first = await create(any_database, user_id="U1")
    second = await create(any_database, user_id="U2")

    assert second.id == first.id
    assert second.user_id == "U1"


async def test_concurrent_creators_of_one_thread_get_one_link(any_database: Database) -> None:
    made = await asyncio.gather(*(create(any_database, user_id=f"U{n}") for n in range(20)))

    assert len({link.id for link in made}) == 1


async def test_the_first_worker_recorded_on_a_link_wins(any_database: Database) -> None:
    link = await make_link(any_database)

    async with any_database.transaction() as s:
        first = await links.set_link_worker(s, link_id=link.id, worker_id="wrk_a")
    async with any_database.transaction() as s:
        second = await links.set_link_worker(s, link_id=link.id, worker_id="wrk_b")
        by_worker = await links.links_for_worker(s, worker_id="wrk_a")

    assert first.worker_id == "wrk_a"
    assert second.worker_id == "wrk_a"
    assert [row.id for row in by_worker] == [link.id]


async def test_recent_links_are_the_users_own_newest_first(any_database: Database) -> None:
    for n in range(4):
        async with any_database.transaction() as s:
            await links.create_link(
                s,
                team_id="T1",
                channel_id="C1",
                thread_ts=f"{n}.0",
                user_id="U1",
                budget="standard",
                origin="command",
                now=at(n),
            )
    await make_link(any_database, thread_ts="9.0", user_id="U2")
    await make_link(any_database, thread_ts="8.0", user_id="U1", team_id="T2")

    async with any_database.transaction() as s:
        recent = await links.recent_links_for_user(s, team_id="T1", user_id="U1", limit=3)

    assert [link.thread_ts for link in recent] == ["3.0", "2.0", "1.0"]
