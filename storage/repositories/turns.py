"""Turns: one create/continue call or scheduled run, relayed into a Slack thread.

Lease fields are changed only through ``storage.leases``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.errors import StorageError
from storage.models import ConversationLink, Turn
from storage.types import ACTIVE_TURN, UNFINISHED_TURN, TurnStatus, utc_now

# What update_turn may change: not the identity, the thread, the order or the lease.
UPDATABLE_FIELDS = frozenset(
    {
        "worker_id",
        "status",
        "known_output_ids",
        "messages",
        "posted_chars",
        "footer_posted",
        "files_posted",
        "error",
        "cost_usd",
        "started_at",
        "finished_at",
        "trigger_ts",
        "baseline",
        "totals_after",
    }
)


async def add_turn(
    s: AsyncSession,
    *,
    link: ConversationLink,
    input: str,
    budget: str,
    user_id: str,
    trigger_ts: str | None = None,
    status: TurnStatus = "queued",
    now: datetime | None = None,
) -> Turn:
    """Append a turn to ``link`` with the next ``seq`` (1 for the first)."""
    # Lock the link row so two processes adding to one thread number turns one after
    # the other (PostgreSQL); SQLite already runs writers one at a time.
    locked = (
        await s.scalars(
            select(ConversationLink.id).where(col(ConversationLink.id) == link.id).with_for_update()
        )
    ).one_or_none()
    if locked is None:
        raise StorageError(f"no conversation link {link.id}")
    last = await s.scalar(select(func.max(Turn.seq)).where(col(Turn.link_id) == link.id))
    turn = Turn(
        link_id=link.id,
        team_id=link.team_id,
        channel_id=link.channel_id,
        thread_ts=link.thread_ts,
        worker_id=link.worker_id,
        user_id=user_id,
        input=input,
        budget=budget,
        trigger_ts=trigger_ts,
        seq=(last or 0) + 1,
        status=status,
        created_at=now or utc_now(),
    )
    s.add(turn)
    await s.flush()
    return turn


async def get_turn(s: AsyncSession, *, turn_id: str) -> Turn | None:
    return await s.get(Turn, turn_id)


async def active_turn_for_link(s: AsyncSession, *, link_id: str) -> Turn | None:
    """The turn of this thread that is starting or running, if any."""
    return (
        await s.scalars(
            select(Turn)
            .where(col(Turn.link_id) == link_id, col(Turn.status).in_(ACTIVE_TURN))
            .order_by(col(Turn.seq))
            .limit(1)
        )
    ).one_or_none()


def _queue_order() -> tuple[Any, ...]:
    # Slack's order of the triggering messages (ts strings of fixed width sort as time),
    # then arrival: two replies a millisecond apart may reach us in either order.
    return (col(Turn.trigger_ts), col(Turn.seq))


async def next_queued_turn(s: AsyncSession, *, link_id: str) -> Turn | None:
    """The queued turn of this thread that comes first, if any."""
    return (
        await s.scalars(
            select(Turn)
            .where(col(Turn.link_id) == link_id, col(Turn.status) == "queued")
            .order_by(*_queue_order())
            .limit(1)
        )
    ).one_or_none()


async def must_wait(s: AsyncSession, *, turn: Turn) -> bool:
    """True while another turn of the thread runs, or is queued to go before ``turn``."""
    running = await s.scalar(
        select(func.count())
        .select_from(Turn)
        .where(
            col(Turn.link_id) == turn.link_id,
            col(Turn.id) != turn.id,
            col(Turn.status).in_(ACTIVE_TURN),
        )
    )
    if running:
        return True
    first = await next_queued_turn(s, link_id=turn.link_id)
    return first is not None and first.id != turn.id


async def active_or_queued_count(s: AsyncSession, *, link_id: str) -> int:
    """How many turns of this thread are queued, starting or running."""
    count = await s.scalar(
        select(func.count())
        .select_from(Turn)
        .where(col(Turn.link_id) == link_id, col(Turn.status).in_(UNFINISHED_TURN))
    )
    return int(count or 0)


async def turns_for_link(s: AsyncSession, *, link_id: str) -> list[Turn]:
    """All turns of a thread in order."""
    rows = await s.scalars(select(Turn).where(col(Turn.link_id) == link_id).order_by(col(Turn.seq)))
    return list(rows.all())


async def update_turn(s: AsyncSession, turn: Turn, **fields: object) -> Turn:
    """Set fields of ``turn`` (see ``UPDATABLE_FIELDS``) and flush.

    JSON fields must be given as new lists: the ORM does not see in-place edits.
    """
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"update_turn cannot set {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(turn, name, value)
    s.add(turn)
    await s.flush()
    return turn


async def recent_turns_for_user(
    s: AsyncSession, *, team_id: str, user_id: str, limit: int
) -> list[Turn]:
    """A user's turns in a workspace, newest first."""
    rows = await s.scalars(
        select(Turn)
        .where(col(Turn.team_id) == team_id, col(Turn.user_id) == user_id)
        .order_by(col(Turn.created_at).desc(), col(Turn.id))
        .limit(limit)
    )
    return list(rows.all())


async def last_totals_for_worker(s: AsyncSession, *, worker_id: str) -> dict[str, Any] | None:
    """The worker's totals when its most recently finished turn ended (None: no such turn)."""
    totals = await s.scalar(
        select(Turn.totals_after)
        .where(col(Turn.worker_id) == worker_id, col(Turn.totals_after).is_not(None))
        .order_by(col(Turn.finished_at).desc())
        .limit(1)
    )
    return dict(totals) if totals else None
