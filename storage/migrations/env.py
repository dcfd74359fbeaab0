"""Alembic environment: runs on a connection handed over by ``upgrade_database``.

Used without one (``python -m storage.migrations revision --autogenerate``), it opens
the async engine of ``config.attributes["database"]`` and runs on one of its connections.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.migrations import target_metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_run)


def _main() -> None:
    handed_over = context.config.attributes.get("connection")
    if isinstance(handed_over, Connection):
        _run(handed_over)
        return
    database = context.config.attributes.get("database")
    if not isinstance(database, Database):
        raise RuntimeError("storage.migrations.env needs a connection or a Database")
    asyncio.run(_run_on(database))


_main()
