"""Migrations: they agree with the models, are shipped in the package, refuse the future."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.errors import SchemaMismatch
from storage.engine import Database, open_database
from storage.migrations import MIGRATIONS_DIR, head_revision, target_metadata, upgrade_database
from storage.migrations.__main__ import main as migrations_cli
from tests.fixtures.storage import postgres_url, sqlite_url


def url_of(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, target_metadata()))


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_a_migrated_database_matches_the_models(any_database: Database) -> None:
    async with any_database.engine.connect() as connection:
        found = await connection.run_sync(differences)

    assert found == []


def test_the_models_cover_every_table_including_slack_oauth() -> None:
    expected = {
        "conversation_links", "turns", "schedules", "deliveries", "processed_events",
        "slack_bots", "slack_installations", "slack_oauth_states",
    }  # fmt: skip
    assert set(target_metadata().tables) == expected


async def test_upgrading_again_changes_nothing(any_database: Database) -> None:
    await upgrade_database(url_of(any_database), schema=any_database.schema)

    async with any_database.engine.connect() as connection:
        assert await connection.run_sync(current_revision) == head_revision()
        assert await connection.run_sync(differences) == []


async def test_a_database_ahead_of_the_code_is_refused(any_database: Database) -> None:
    async with any_database.transaction() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    with pytest.raises(SchemaMismatch) as caught:
        await upgrade_database(url_of(any_database), schema=any_database.schema)

    message = str(caught.value)
    assert message.startswith(
        f"database is at revision 9999_from_the_future, newer than this code's {head_revision()};"
    )
    assert "\n" not in message


async def test_processes_starting_together_migrate_once_on_sqlite(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)

    await asyncio.gather(*(upgrade_database(url) for _ in range(3)))

    db = open_database(url)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(current_revision) == head_revision()
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_processes_starting_together_migrate_once_on_postgresql(pg_schema: str) -> None:
    await asyncio.gather(*(upgrade_database(postgres_url(), schema=pg_schema) for _ in range(3)))

    db = open_database(postgres_url(), schema=pg_schema)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(current_revision) == head_revision()
            assert await connection.run_sync(differences) == []
    finally:
        await db.dispose()


def test_the_migration_scripts_ship_inside_the_package() -> None:
    assert MIGRATIONS_DIR.parent.name == "storage"
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0002_turn_baseline.py").is_file()
    assert head_revision() == "0002"


async def test_the_check_command_passes_on_a_migrated_database_and_fails_on_drift(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(database))
    # Alembic's commands are synchronous and start their own event loop: run in a thread.
    clean = await asyncio.to_thread(migrations_cli, ["check"])
    async with database.transaction() as s:
        await s.execute(text("DROP INDEX ix_turns_user_recent"))
    drifted = await asyncio.to_thread(migrations_cli, ["check"])

    assert (clean, drifted) == (0, 1)
