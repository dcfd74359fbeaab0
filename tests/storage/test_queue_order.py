"""Queued replies run in Slack's order of their messages, one turn of a thread at a time."""

from storage.engine import Database
from storage.models import ConversationLink
from storage.repositories import turns
from storage.types import TurnStatus
from tests.storage.factories import at, make_link


async def _reply(
    db: Database, link: ConversationLink, ts: str, status: TurnStatus = "queued"
) -> str:
    async with db.transaction() as s:
        turn = await turns.add_turn(
            s,
            link=link,
            input=f"reply {ts}",
            budget="standard",
            user_id="U1",
            trigger_ts=ts,
            status=status,
            now=at(0),
        )
        return turn.id


async def test_replies_that_arrive_out_of_order_run_in_message_order(
    any_database: Database,
) -> None:
    link = await make_link(any_database)
    running = await _reply(any_database, link, "1700000000.000100", status="running")
    later = await _reply(any_database, link, "1700000000.000300")  # arrived first
    earlier = await _reply(any_database, link, "1700000000.000200")

    async with any_database.transaction() as s:
        first = await turns.next_queued_turn(s, link_id=link.id)
        assert first is not None and first.id == earlier
        for turn_id in (earlier, later):
            turn = await turns.get_turn(s, turn_id=turn_id)
            assert turn is not None
            assert await turns.must_wait(s, turn=turn)  # the running turn holds both back
        running_turn = await turns.get_turn(s, turn_id=running)
        assert running_turn is not None
        await turns.update_turn(s, running_turn, status="done")

    async with any_database.transaction() as s:
        earlier_turn = await turns.get_turn(s, turn_id=earlier)
        later_turn = await turns.get_turn(s, turn_id=later)
        assert earlier_turn is not None and later_turn is not None
        assert not await turns.must_wait(s, turn=earlier_turn)
        assert await turns.must_wait(s, turn=later_turn)
