"""Transactions that a cancellation cannot cut in half.

The relay cancels tasks (a turn's lease renewer when the turn ends, every run at
shutdown). Cancelling a coroutine in the middle of an aiosqlite/asyncpg transaction can
leave the connection holding its write lock until it is garbage-collected, and SQLite
then answers ``database is locked`` to everyone. ``atomically`` runs the whole
transaction in its own task and, when the caller is cancelled, lets that task finish
(it is short) before the cancellation goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import Database

T = TypeVar("T")


async def atomically(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        async with db.transaction() as session:
            return await work(session)

    task = asyncio.ensure_future(run())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise
