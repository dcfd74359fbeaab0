"""``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on both dialects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

Row = TypeVar("Row", bound=SQLModel)


async def insert_unless_exists(
    s: AsyncSession, row: Row, *, unique_on: Sequence[str]
) -> Row | None:
    """Insert ``row`` atomically; None (and no error) when ``unique_on`` already exists.

    One statement, so concurrent callers cannot both insert, and a conflict does not
    abort the caller's transaction (as an IntegrityError would on PostgreSQL).
    """
    model = type(row)
    table = model.__table__  # type: ignore[attr-defined]
    values = {column.name: getattr(row, column.name) for column in table.columns}
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(unique_on))
        .returning(model)
        .execution_options(populate_existing=True)
    )
    return (await s.scalars(statement)).one_or_none()
