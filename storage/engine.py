"""One async engine and session factory per process, built from ``DATABASE_URL``.

SQLite (aiosqlite): WAL, foreign keys and a busy timeout on every connection, and every
transaction starts with ``BEGIN IMMEDIATE``. That takes SQLite's single write lock up
front, so concurrent claimers queue on the busy timeout instead of failing later with
``SQLITE_BUSY`` when a read transaction tries to become a write one. This follows
SQLAlchemy's recipe for SQLite transaction control: the driver's own implicit BEGIN is
switched off (``isolation_level = None``) and the ``begin`` event emits ours.

PostgreSQL (asyncpg): pool pre-ping, a connect timeout, and an optional ``schema`` that
becomes the connection's ``search_path`` (tests give each run its own schema).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from bot.errors import DatabaseUnavailable, StorageError
from storage.urls import SQLITE, describe, parse_database_url

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_S = 10


@dataclass
class Database:
    """The engine and session factory; one per process, built by the app factory."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    url: URL
    schema: str | None = None  # PostgreSQL search_path chosen at open_database

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on exit, rolled back on error.

        Failing to connect raises ``DatabaseUnavailable``; SQLAlchemy errors inside the
        block come out as ``StorageError``. Other exceptions (the caller's own, even an
        ``OSError`` from an HTTP call) pass through unchanged after the rollback.
        """
        async with self.sessions() as session:
            try:
                await session.connection()  # connect (and BEGIN) now, before the caller runs
            except (OSError, TimeoutError, SQLAlchemyError) as exc:
                raise DatabaseUnavailable(self._unreachable(exc)) from exc
            try:
                yield session
                await session.commit()
            except SQLAlchemyError as exc:
                raise storage_error(exc, where=describe(self.url)) from exc
            # on any exception, leaving ``self.sessions()`` closes the session: rollback

    async def ping(self) -> None:
        """``SELECT 1``; any failure is one ``DatabaseUnavailable`` line."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (OSError, TimeoutError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(self._unreachable(exc)) from exc

    def _unreachable(self, exc: BaseException) -> str:
        return f"cannot use the database ({describe(self.url)}): {reason(exc)}"


def open_database(url: str, *, schema: str | None = None) -> Database:
    """Build the engine and session factory; connects lazily (see ``Database.ping``).

    A malformed or unsupported URL raises ``DatabaseUnavailable`` with one line that
    never contains the password. ``schema`` (PostgreSQL only) sets the ``search_path``.
    """
    parsed = parse_database_url(url)
    if parsed.drivername == SQLITE:
        if schema is not None:
            raise DatabaseUnavailable("a schema can only be chosen on PostgreSQL")
        engine = create_async_engine(parsed)
        _configure_sqlite(engine)
    else:
        connect_args: dict[str, Any] = {"timeout": POSTGRES_CONNECT_TIMEOUT_S}
        if schema is not None:
            connect_args["server_settings"] = {"search_path": schema}
        engine = create_async_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, url=parsed, schema=schema)


def _configure_sqlite(engine: AsyncEngine) -> None:
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)


def reason(exc: BaseException) -> str:
    """The first line of the driver's message: no SQL, no parameters, no password."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    first = lines[0] if lines else type(inner).__name__
    return first[:300]


def storage_error(exc: SQLAlchemyError, *, where: str) -> StorageError:
    """Map a SQLAlchemy error to our tree; connection failures are ``DatabaseUnavailable``."""
    if isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    ):
        return DatabaseUnavailable(f"database connection failed ({where}): {reason(exc)}")
    return StorageError(f"database error: {reason(exc)}")
