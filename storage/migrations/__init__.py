"""Alembic migrations, shipped inside the package and configured in code (no alembic.ini).

``upgrade_database(url)`` is what ``slack-workers db upgrade`` and start-up call. It
refuses a database whose revision this code does not know (a newer release migrated it)
with ``SchemaMismatch``, instead of running against a schema it does not understand.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.errors import SchemaMismatch
from storage.engine import open_database, storage_error
from storage.urls import describe

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Any constant works; it only has to be the same in every process of this app.
_PG_MIGRATION_LOCK = 0x5157_0001


def alembic_config(url: str | None = None, *, schema: str | None = None) -> Config:
    """An Alembic ``Config`` pointing at the shipped scripts.

    With ``url``, Alembic commands run from synchronous code (``check``, ``revision
    --autogenerate``, see ``python -m storage.migrations``) open their own connection.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    config.attributes["schema"] = schema
    return config


@cache
def target_metadata() -> MetaData:
    """Everything the migrations must create: our models plus slack-sdk's OAuth tables."""
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
    from storage.oauth import add_slack_tables

    combined = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(combined)
    add_slack_tables(combined)
    return combined


SQLITE_LOCK_RETRIES = 30


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revision"
    return head


async def upgrade_database(url: str, *, schema: str | None = None) -> None:
    """Apply every pending migration to the database at ``url``.

    Raises ``DatabaseUnavailable`` for a bad URL or an unreachable server and
    ``SchemaMismatch`` when the database is ahead of this code.
    """
    database = open_database(url, schema=schema)
    try:
        await database.ping()
        for attempt in range(SQLITE_LOCK_RETRIES + 1):
            try:
                async with database.engine.begin() as connection:
                    await connection.run_sync(_upgrade, alembic_config())
                break
            except OperationalError as exc:
                # SQLite: another process is migrating the same file and holds the write
                # lock longer than the busy timeout (a slow disk, a loaded machine). Wait
                # for it; it will have done the work when we get in.
                if "locked" not in str(exc) or attempt == SQLITE_LOCK_RETRIES:
                    raise
                await asyncio.sleep(1.0)
    except SQLAlchemyError as exc:
        raise storage_error(exc, where=describe(database.url)) from exc
    finally:
        await database.dispose()


def _upgrade(connection: Connection, config: Config) -> None:
    if connection.dialect.name == "postgresql":
        # Several processes starting together: one migrates, the others wait and then
        # find nothing left to do. Released when this transaction ends.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    _refuse_unknown_revision(connection, ScriptDirectory.from_config(config))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    logger.info("database schema is at revision %s", head_revision())


def _refuse_unknown_revision(connection: Connection, scripts: ScriptDirectory) -> None:
    known = {script.revision for script in scripts.walk_revisions()}
    for current in MigrationContext.configure(connection).get_current_heads():
        if current not in known:
            raise SchemaMismatch(
                f"database is at revision {current}, newer than this code's "
                f"{scripts.get_current_head()}; run the slack-workers release that "
                "migrated it (or a newer one), or point DATABASE_URL at another database"
            )
