"""Rows for storage tests, with explicit times (no wall clock in assertions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.engine import Database
from storage.models import ConversationLink, Turn
from storage.repositories import links, turns
from storage.types import TurnStatus

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


async def make_link(
    db: Database, *, thread_ts: str = "1700000000.000100", user_id: str = "U1", team_id: str = "T1"
) -> ConversationLink:
    async with db.transaction() as s:
        return await links.create_link(
            s,
            team_id=team_id,
            channel_id="C1",
            thread_ts=thread_ts,
            user_id=user_id,
            budget="standard",
            origin="command",
            now=T0,
        )


async def make_turn(
    db: Database,
    link: ConversationLink,
    *,
    status: TurnStatus = "running",
    created: float = 0,
    user_id: str = "U1",
) -> Turn:
    async with db.transaction() as s:
        return await turns.add_turn(
            s,
            link=link,
            input="summarise the report",
            budget="standard",
            user_id=user_id,
            trigger_ts="1700000000.000100",
            status=status,
            now=at(created),
        )
