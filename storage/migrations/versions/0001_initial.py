"""Initial schema: links, turns, schedules, deliveries, processed events, Slack OAuth.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_links",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("budget", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("schedule_id", sa.String(128), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint("team_id", "channel_id", "thread_ts", name="uq_links_thread"),
        sa.CheckConstraint(
            "origin IN ('command', 'mention', 'dm', 'schedule')", name="ck_links_origin"
        ),
    )
    op.create_index(
        "ix_links_user_recent", "conversation_links", ["team_id", "user_id", "created_at"]
    )
    op.create_index("ix_links_worker", "conversation_links", ["worker_id"])

    op.create_table(
        "turns",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("link_id", sa.String(32), sa.ForeignKey("conversation_links.id"), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("budget", sa.String(16), nullable=False),
        sa.Column("trigger_ts", sa.String(32), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("known_output_ids", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("posted_chars", sa.Integer(), nullable=False),
        sa.Column("footer_posted", sa.Boolean(), nullable=False),
        sa.Column("files_posted", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", _UTC, nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("started_at", _UTC, nullable=True),
        sa.Column("finished_at", _UTC, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'starting', 'running', 'done', 'failed', 'cancelled')",
            name="ck_turns_status",
        ),
    )
    op.create_index("ix_turns_status_lease", "turns", ["status", "lease_expires_at"])
    op.create_index("ix_turns_link_seq", "turns", ["link_id", "seq"], unique=True)
    op.create_index("ix_turns_user_recent", "turns", ["team_id", "user_id", "created_at"])

    op.create_table(
        "schedules",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("creator_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("spec", sa.String(255), nullable=False),
        sa.Column("budget", sa.String(16), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("next_run_at", _UTC, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("last_seen_run_at", _UTC, nullable=True),
        sa.CheckConstraint(
            "kind IN ('cron', 'interval', 'scheduled', 'delayed')", name="ck_schedules_kind"
        ),
        sa.CheckConstraint("state IN ('active', 'done', 'cancelled')", name="ck_schedules_state"),
    )
    op.create_index("ix_schedules_channel", "schedules", ["team_id", "channel_id", "state"])
    op.create_index("ix_schedules_creator", "schedules", ["team_id", "creator_id"])
    op.create_index("ix_schedules_worker", "schedules", ["worker_id"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("schedule_id", sa.String(128), sa.ForeignKey("schedules.id"), nullable=False),
        sa.Column("run_key", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", _UTC, nullable=True),
        sa.Column("posted_ts", sa.String(32), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint("schedule_id", "run_key", name="uq_deliveries_run"),
        sa.CheckConstraint(
            "status IN ('claimed', 'posted', 'failed')", name="ck_deliveries_status"
        ),
    )

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("seen_at", _UTC, nullable=False),
    )
    op.create_index("ix_processed_events_seen_at", "processed_events", ["seen_at"])

    _create_slack_oauth_tables()


def _create_slack_oauth_tables() -> None:
    """slack-sdk's AsyncSQLAlchemy stores' tables, as slack-sdk 3.x defines them."""
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_bots_idx",
        "slack_bots",
        ["client_id", "enterprise_id", "team_id", "installed_at"],
    )
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("slack_oauth_states", "slack_installations", "slack_bots"):
        op.drop_table(table)
    for table in ("processed_events", "deliveries", "schedules", "turns", "conversation_links"):
        op.drop_table(table)
