"""Alembic environment: runs on a connection handed over by ``upgrade_database``.

Without one (``python -m storage.migrations check``), it opens the async engine of
``config.attributes["database_url"]`` itself and runs on one of its connections.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import open_database
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


async def _run_standalone(url: str, schema: str | None) -> None:
    database = open_database(url, schema=schema)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await database.dispose()


def _main() -> None:
    attributes = context.config.attributes
    handed_over = attributes.get("connection")
    if isinstance(handed_over, Connection):
        _run(handed_over)
        return
    url = attributes.get("database_url")
    if not isinstance(url, str):
        raise RuntimeError("storage.migrations.env needs a connection or a database_url")
    asyncio.run(_run_standalone(url, attributes.get("schema")))


_main()
