"""Leases: which process works on a row (a turn, a delivery) until when.

A lease is ``lease_owner`` plus ``lease_expires_at``. Every change is one conditional
``UPDATE ... WHERE <lease condition> RETURNING``, so the database decides who wins:

- PostgreSQL (READ COMMITTED): concurrent updaters of one row queue on its row lock and
  re-check the WHERE clause against the committed winner, so exactly one matches.
  ``claim_expired_turns`` picks its batch with ``FOR UPDATE SKIP LOCKED`` so that several
  sweepers split the work instead of waiting on each other.
- SQLite: every transaction begins with ``BEGIN IMMEDIATE`` (see ``storage.engine``), so
  writers run one after the other and the same conditional UPDATE sees the winner.

"Not claimed" is a normal outcome and returns None. Losing a lease one held (renew after
another process took it over) raises ``LeaseLost``. Times come from the caller (``now``),
so that tests and the clock port decide what time it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.errors import LeaseLost
from storage.models import Delivery, Turn
from storage.types import UNFINISHED_TURN

Leased = TypeVar("Leased", Turn, Delivery)


def expiry(now: datetime, ttl: float | timedelta) -> datetime:
    """When a lease taken at ``now`` for ``ttl`` (seconds or a timedelta) ends."""
    return now + (ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl))


def is_free(model: type[Turn] | type[Delivery], now: datetime) -> ColumnElement[bool]:
    """Nobody holds the lease, or its holder let it expire."""
    return or_(
        col(model.lease_owner).is_(None),
        col(model.lease_expires_at).is_(None),
        col(model.lease_expires_at) <= now,
    )


async def update_returning(
    s: AsyncSession,
    model: type[Leased],
    where: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
) -> list[Leased]:
    """One conditional UPDATE; the rows it changed, fresh (also in the session)."""
    statement = (
        update(model)
        .where(*where)
        .values(**values)
        .returning(model)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return list((await s.scalars(statement)).all())


async def claim(
    s: AsyncSession, *, turn_id: str, owner: str, ttl: float | timedelta, now: datetime
) -> Turn | None:
    """Take the lease of an unfinished turn if it is free or expired; else None.

    A holder that wants to keep its lease calls ``renew``; ``claim`` never extends it.
    """
    rows = await update_returning(
        s,
        Turn,
        [col(Turn.id) == turn_id, col(Turn.status).in_(UNFINISHED_TURN), is_free(Turn, now)],
        {"lease_owner": owner, "lease_expires_at": expiry(now, ttl)},
    )
    return rows[0] if rows else None


async def renew(
    s: AsyncSession, *, turn_id: str, owner: str, ttl: float | timedelta, now: datetime
) -> Turn:
    """Extend ``owner``'s lease to ``now + ttl``; ``LeaseLost`` if someone else has it.

    A lease that expired but that nobody took over is still ``owner``'s to renew.
    """
    rows = await update_returning(
        s,
        Turn,
        [col(Turn.id) == turn_id, col(Turn.lease_owner) == owner],
        {"lease_expires_at": expiry(now, ttl)},
    )
    if not rows:
        raise LeaseLost(f"turn {turn_id} is no longer leased by this process")
    return rows[0]


async def release(s: AsyncSession, *, turn_id: str, owner: str) -> Turn | None:
    """Give the lease up; None when ``owner`` did not hold it (nothing to release)."""
    rows = await update_returning(
        s,
        Turn,
        [col(Turn.id) == turn_id, col(Turn.lease_owner) == owner],
        {"lease_owner": None, "lease_expires_at": None},
    )
    return rows[0] if rows else None


async def claim_expired_turns(
    s: AsyncSession, *, owner: str, ttl: float | timedelta, now: datetime, limit: int
) -> list[Turn]:
    """Lease up to ``limit`` unfinished turns whose lease is missing or expired.

    Queued turns are included: the caller decides whether each may start now (its
    link may still have an active turn) and releases those that must wait.
    Oldest first. On PostgreSQL rows locked by a concurrent sweep are skipped, so
    several sweepers share the work.
    """
    # Two statements on purpose: as a subquery of the UPDATE, PostgreSQL may re-run the
    # LIMITed SELECT for every row and, skipping rows this very UPDATE just changed,
    # return more than ``limit`` rows. The SELECT locks its batch until commit.
    batch = await s.scalars(
        select(Turn.id)
        .where(col(Turn.status).in_(UNFINISHED_TURN), is_free(Turn, now))
        .order_by(col(Turn.created_at), col(Turn.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # SQLite has no row locks; it ignores this
    )
    ids = list(batch.all())
    if not ids:
        return []
    rows = await update_returning(
        s,
        Turn,
        [col(Turn.id).in_(ids), col(Turn.status).in_(UNFINISHED_TURN), is_free(Turn, now)],
        {"lease_owner": owner, "lease_expires_at": expiry(now, ttl)},
    )
    return sorted(rows, key=lambda turn: (turn.created_at, turn.id))
