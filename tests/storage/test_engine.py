"""Engine set-up: URL checks, unreachable servers, SQLite pragmas, transactions, times."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.errors import DatabaseUnavailable, StorageError
from storage.engine import Database, open_database
from storage.migrations import upgrade_database
from storage.models import ProcessedEvent
from tests.storage.factories import at

PASSWORD = "hunter2-secret"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "url",
    [
        "nonsense",
        "",
        f"postgresql+asyncpg://bob:{PASSWORD}@db:notaport/app",
        f"mysql://bob:{PASSWORD}@db/app",
        f"postgresql://bob:{PASSWORD}@db/app",
        f"postgresql+asyncpg://bob:{PASSWORD}@db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_a_bad_url_is_one_line_without_the_password(url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(url)

    message = str(caught.value)
    assert message.startswith("DATABASE_URL ")
    assert "\n" not in message
    assert PASSWORD not in message


async def test_an_unreachable_server_is_one_line_naming_it_without_the_password() -> None:
    port = closed_port()
    db = open_database(f"postgresql+asyncpg://bob:{PASSWORD}@127.0.0.1:{port}/app")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await db.ping()
    finally:
        await db.dispose()

    message = str(caught.value)
    assert f"127.0.0.1:{port}/app" in message
    assert "\n" not in message
    assert PASSWORD not in message


async def test_a_transaction_on_an_unreachable_server_raises_database_unavailable() -> None:
    db = open_database(f"postgresql+asyncpg://bob:{PASSWORD}@127.0.0.1:{closed_port()}/app")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            async with db.transaction():
                pytest.fail("the block must not run without a connection")
    finally:
        await db.dispose()

    assert PASSWORD not in str(caught.value)


async def test_the_callers_own_errors_pass_through_a_transaction(any_database: Database) -> None:
    with pytest.raises(ConnectionResetError):
        async with any_database.transaction() as s:
            s.add(ProcessedEvent(event_id="dropped", seen_at=at(0)))
            raise ConnectionResetError("an HTTP call inside the block failed")

    async with any_database.transaction() as s:
        assert await s.get(ProcessedEvent, "dropped") is None


async def test_upgrading_an_unreachable_server_raises_database_unavailable() -> None:
    port = closed_port()
    with pytest.raises(DatabaseUnavailable) as caught:
        await upgrade_database(f"postgresql+asyncpg://bob:{PASSWORD}@127.0.0.1:{port}/app")

    assert PASSWORD not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_schema_is_refused_on_sqlite() -> None:
    with pytest.raises(DatabaseUnavailable):
        open_database("sqlite+aiosqlite:///x.db", schema="other")


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    database: Database,
) -> None:
    async with database.transaction() as s:
        journal = await s.scalar(text("PRAGMA journal_mode"))
        foreign_keys = await s.scalar(text("PRAGMA foreign_keys"))
        busy = await s.scalar(text("PRAGMA busy_timeout"))

    assert (journal, foreign_keys, busy) == ("wal", 1, 5000)


async def test_ping_answers_on_a_working_database(any_database: Database) -> None:
    await any_database.ping()


async def test_a_transaction_commits_on_success_and_rolls_back_on_error(
    any_database: Database,
) -> None:
    async with any_database.transaction() as s:
        s.add(ProcessedEvent(event_id="kept", seen_at=at(0)))
    with pytest.raises(KeyError):
        async with any_database.transaction() as s:
            s.add(ProcessedEvent(event_id="dropped", seen_at=at(0)))
            await s.flush()
            raise KeyError("boom")

    async with any_database.transaction() as s:
        assert await s.get(ProcessedEvent, "kept") is not None
        assert await s.get(ProcessedEvent, "dropped") is None


async def test_datetimes_come_back_timezone_aware_in_utc(any_database: Database) -> None:
    madrid = timezone(timedelta(hours=2))
    written = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=madrid)
    async with any_database.transaction() as s:
        s.add(ProcessedEvent(event_id="tz", seen_at=written))

    async with any_database.transaction() as s:
        row = await s.get(ProcessedEvent, "tz")

    assert row is not None
    assert row.seen_at == written
    assert row.seen_at.tzinfo == UTC
    assert row.seen_at.hour == 12


async def test_naive_datetimes_are_refused(any_database: Database) -> None:
    with pytest.raises(StorageError):
        async with any_database.transaction() as s:
            s.add(ProcessedEvent(event_id="naive", seen_at=datetime(2025, 1, 1)))
