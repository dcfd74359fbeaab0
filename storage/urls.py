"""``DATABASE_URL`` checking and password-free descriptions of it."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import DatabaseUnavailable

SQLITE = "sqlite+aiosqlite"
POSTGRES = "postgresql+asyncpg"
_EXPECTED = f"expected {SQLITE}:///path/to/file.db or {POSTGRES}://user@host:5432/database"


def parse_database_url(raw: str) -> URL:
    """Parse and check ``raw``; any problem is one ``DatabaseUnavailable`` line.

    The URL itself is never echoed: it may hold a password.
    """
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(f"DATABASE_URL is malformed: {_EXPECTED}") from None
    if url.drivername not in (SQLITE, POSTGRES):
        raise DatabaseUnavailable(
            f"DATABASE_URL uses the unsupported driver {url.drivername!r}: {_EXPECTED}"
        )
    if url.drivername == SQLITE and (not url.database or url.database == ":memory:"):
        # An in-memory database is one connection shared by every session, which breaks
        # the one-writer-transaction-per-session model; a temporary file works instead.
        raise DatabaseUnavailable(f"DATABASE_URL must name a SQLite file: {_EXPECTED}")
    if url.drivername == POSTGRES and not url.database:
        raise DatabaseUnavailable(f"DATABASE_URL names no database: {_EXPECTED}")
    return url


def describe(url: URL) -> str:
    """Where the database is, for error lines and logs; never the password."""
    if url.drivername == SQLITE:
        return f"SQLite file {url.database}"
    host = url.host or "the default socket"
    port = url.port or 5432
    user = f" as user {url.username}" if url.username else ""
    return f"PostgreSQL at {host}:{port}/{url.database}{user}"
