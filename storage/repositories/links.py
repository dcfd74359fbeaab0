"""Conversation links: a Slack thread (team, channel, thread_ts) and its worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.errors import StorageError
from storage.models import ConversationLink
from storage.repositories._insert import insert_unless_exists
from storage.types import LinkOrigin, utc_now


async def get_link(
    s: AsyncSession, *, team_id: str, channel_id: str, thread_ts: str
) -> ConversationLink | None:
    """The link of one Slack thread, if any."""
    return (
        await s.scalars(
            select(ConversationLink).where(
                col(ConversationLink.team_id) == team_id,
                col(ConversationLink.channel_id) == channel_id,
                col(ConversationLink.thread_ts) == thread_ts,
            )
        )
    ).one_or_none()


async def get_link_by_id(s: AsyncSession, *, link_id: str) -> ConversationLink | None:
    return await s.get(ConversationLink, link_id)


async def create_link(
    s: AsyncSession,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    budget: str,
    origin: LinkOrigin,
    worker_id: str | None = None,
    schedule_id: str | None = None,
    now: datetime | None = None,
) -> ConversationLink:
    """Link a thread; when another caller linked it first, return that existing link.

    Compare the returned ``user_id``/``id`` with what you expected if it matters who won.
    """
    row = ConversationLink(
        team_id=team_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        user_id=user_id,
        budget=budget,
        origin=origin,
        worker_id=worker_id,
        schedule_id=schedule_id,
        created_at=now or utc_now(),
    )
    inserted = await insert_unless_exists(s, row, unique_on=("team_id", "channel_id", "thread_ts"))
    if inserted is not None:
        return inserted
    existing = await get_link(s, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)
    if existing is None:  # the winner's transaction rolled back between our statements
        raise StorageError("a conversation link vanished while being created; try again")
    return existing


async def set_link_worker(s: AsyncSession, *, link_id: str, worker_id: str) -> ConversationLink:
    """Record the worker of a link that has none yet; the first worker id recorded wins.

    Returns the link as stored: if its ``worker_id`` is not yours, another process
    created the worker first.
    """
    await s.execute(
        update(ConversationLink)
        .where(col(ConversationLink.id) == link_id, col(ConversationLink.worker_id).is_(None))
        .values(worker_id=worker_id)
        .execution_options(synchronize_session=False)
    )
    link = (
        await s.scalars(
            select(ConversationLink)
            .where(col(ConversationLink.id) == link_id)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if link is None:
        raise StorageError(f"no conversation link {link_id}")
    return link


async def recent_links_for_user(
    s: AsyncSession, *, team_id: str, user_id: str, limit: int
) -> list[ConversationLink]:
    """The links a user started in a workspace, newest first."""
    rows = await s.scalars(
        select(ConversationLink)
        .where(col(ConversationLink.team_id) == team_id, col(ConversationLink.user_id) == user_id)
        .order_by(col(ConversationLink.created_at).desc(), col(ConversationLink.id))
        .limit(limit)
    )
    return list(rows.all())


async def links_for_worker(s: AsyncSession, *, worker_id: str) -> list[ConversationLink]:
    """Every thread linked to a worker (a scheduled run's report thread, for example)."""
    rows = await s.scalars(
        select(ConversationLink)
        .where(col(ConversationLink.worker_id) == worker_id)
        .order_by(col(ConversationLink.created_at))
    )
    return list(rows.all())
