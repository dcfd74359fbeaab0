"""The tables (sqlmodel, ``table=True``).

Ids are strings: uuid4 hex for our own rows, the Workers API's id for schedules. Every
datetime is timezone-aware UTC (``UtcDateTime``). Index and constraint names are explicit
so that the Alembic migration and these models compare equal on both dialects.
JSON columns are replaced, never mutated in place (the ORM does not see in-place edits).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime, utc_now


def new_id() -> str:
    return uuid4().hex


class ConversationLink(SQLModel, table=True):
    """A Slack thread linked to one remote worker."""

    __tablename__ = "conversation_links"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "thread_ts", name="uq_links_thread"),
        Index("ix_links_user_recent", "team_id", "user_id", "created_at"),
        Index("ix_links_worker", "worker_id"),
        CheckConstraint(
            "origin IN ('command', 'mention', 'dm', 'schedule')", name="ck_links_origin"
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    worker_id: str | None = Field(default=None, max_length=128)
    user_id: str = Field(max_length=32)
    budget: str = Field(max_length=16)
    origin: str = Field(max_length=16)
    schedule_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class Turn(SQLModel, table=True):
    """One create/continue call or one scheduled run, relayed into a Slack thread."""

    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_status_lease", "status", "lease_expires_at"),
        Index("ix_turns_link_seq", "link_id", "seq", unique=True),
        Index("ix_turns_user_recent", "team_id", "user_id", "created_at"),
        CheckConstraint(
            "status IN ('queued', 'starting', 'running', 'done', 'failed', 'cancelled')",
            name="ck_turns_status",
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    link_id: str = Field(foreign_key="conversation_links.id", max_length=32)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    worker_id: str | None = Field(default=None, max_length=128)
    user_id: str = Field(max_length=32)
    input: str = Field(sa_type=Text)
    budget: str = Field(max_length=16)
    trigger_ts: str | None = Field(default=None, max_length=32)
    seq: int
    status: str = Field(default="queued", max_length=16)
    known_output_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    messages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    posted_chars: int = 0
    footer_posted: bool = False
    files_posted: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    baseline: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The worker's totals (usage, costs, sources, files) before this turn began."""
    totals_after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The same totals when this turn ended: the next scheduled run starts from them."""
    error: str | None = Field(default=None, sa_type=Text)
    cost_usd: float | None = None
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Schedule(SQLModel, table=True):
    """A schedule created on the Workers API from Slack; reports go to ``channel_id``."""

    __tablename__ = "schedules"
    __table_args__ = (
        Index("ix_schedules_channel", "team_id", "channel_id", "state"),
        Index("ix_schedules_creator", "team_id", "creator_id"),
        Index("ix_schedules_worker", "worker_id"),
        CheckConstraint(
            "kind IN ('cron', 'interval', 'scheduled', 'delayed')", name="ck_schedules_kind"
        ),
        CheckConstraint("state IN ('active', 'done', 'cancelled')", name="ck_schedules_state"),
    )

    id: str = Field(primary_key=True, max_length=128)
    worker_id: str = Field(max_length=128)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    creator_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    spec: str = Field(max_length=255)
    budget: str = Field(max_length=16)
    task: str = Field(sa_type=Text)
    time_zone: str = Field(default="UTC", max_length=64)
    next_run_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    state: str = Field(default="active", max_length=16)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    last_seen_run_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Delivery(SQLModel, table=True):
    """One scheduled run's report; the unique key makes it postable exactly once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "run_key", name="uq_deliveries_run"),
        CheckConstraint("status IN ('claimed', 'posted', 'failed')", name="ck_deliveries_status"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    schedule_id: str = Field(foreign_key="schedules.id", max_length=128)
    run_key: str = Field(max_length=255)
    status: str = Field(default="claimed", max_length=16)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    posted_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ProcessedEvent(SQLModel, table=True):
    """A Slack event id already handled (Slack retries the same event minutes apart)."""

    __tablename__ = "processed_events"
    __table_args__ = (Index("ix_processed_events_seen_at", "seen_at"),)

    event_id: str = Field(primary_key=True, max_length=128)
    seen_at: datetime = Field(sa_type=UtcDateTime)
