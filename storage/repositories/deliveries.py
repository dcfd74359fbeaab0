"""Deliveries of scheduled runs' reports: unique per (schedule, run), posted once.

The unique constraint decides which process delivers a run; a delivery whose holder
died (lease expired while still ``claimed``) can be taken over. ``posted`` and
``failed`` are final.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.errors import LeaseLost
from storage.leases import expiry, is_free, update_returning
from storage.models import Delivery
from storage.repositories._insert import insert_unless_exists


async def claim_delivery(
    s: AsyncSession,
    *,
    schedule_id: str,
    run_key: str,
    owner: str,
    ttl: float | timedelta,
    now: datetime,
) -> Delivery | None:
    """The delivery of this run, leased to ``owner``; None if another process has it."""
    fresh = Delivery(
        schedule_id=schedule_id,
        run_key=run_key,
        status="claimed",
        lease_owner=owner,
        lease_expires_at=expiry(now, ttl),
        created_at=now,
    )
    inserted = await insert_unless_exists(s, fresh, unique_on=("schedule_id", "run_key"))
    if inserted is not None:
        return inserted
    taken_over = await update_returning(
        s,
        Delivery,
        [
            col(Delivery.schedule_id) == schedule_id,
            col(Delivery.run_key) == run_key,
            col(Delivery.status) == "claimed",
            is_free(Delivery, now),
        ],
        {"lease_owner": owner, "lease_expires_at": expiry(now, ttl)},
    )
    return taken_over[0] if taken_over else None


async def get_delivery(s: AsyncSession, *, schedule_id: str, run_key: str) -> Delivery | None:
    return (
        await s.scalars(
            select(Delivery).where(
                col(Delivery.schedule_id) == schedule_id, col(Delivery.run_key) == run_key
            )
        )
    ).one_or_none()


async def renew_delivery(
    s: AsyncSession, *, delivery_id: str, owner: str, ttl: float | timedelta, now: datetime
) -> Delivery:
    """Extend ``owner``'s lease; ``LeaseLost`` if another process took the delivery."""
    rows = await update_returning(
        s,
        Delivery,
        _held_by(delivery_id, owner),
        {"lease_expires_at": expiry(now, ttl)},
    )
    if not rows:
        raise LeaseLost(f"delivery {delivery_id} is no longer leased by this process")
    return rows[0]


async def mark_delivery_posted(
    s: AsyncSession, *, delivery_id: str, owner: str, posted_ts: str
) -> Delivery:
    """Record the Slack message of the report; ``LeaseLost`` if the lease was taken over."""
    return await _finish(s, delivery_id, owner, {"status": "posted", "posted_ts": posted_ts})


async def mark_delivery_failed(s: AsyncSession, *, delivery_id: str, owner: str) -> Delivery:
    """Give up on this run's report for good; ``LeaseLost`` if the lease was taken over."""
    return await _finish(s, delivery_id, owner, {"status": "failed"})


async def _finish(
    s: AsyncSession, delivery_id: str, owner: str, values: dict[str, object]
) -> Delivery:
    rows = await update_returning(
        s,
        Delivery,
        _held_by(delivery_id, owner),
        {**values, "lease_owner": None, "lease_expires_at": None},
    )
    if not rows:
        raise LeaseLost(f"delivery {delivery_id} is no longer leased by this process")
    return rows[0]


def _held_by(delivery_id: str, owner: str) -> list[ColumnElement[bool]]:
    return [
        col(Delivery.id) == delivery_id,
        col(Delivery.lease_owner) == owner,
        col(Delivery.status) == "claimed",
    ]
