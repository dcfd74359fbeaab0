"""Slack OAuth stores (installations and state) on our own engine.

slack-sdk's ``AsyncSQLAlchemyInstallationStore`` and ``AsyncSQLAlchemyOAuthStateStore``
define their tables themselves. We create those tables in our Alembic migration rather
than with their ``create_tables()``: one tool owns the schema, ``db upgrade`` prepares a
database completely before any process serves traffic, several processes never race on
DDL at start-up, and the migration test notices if a slack-sdk upgrade changes them.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from storage.engine import Database

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
OAUTH_STATES_TABLE = "slack_oauth_states"
DEFAULT_STATE_EXPIRATION_SECONDS = 600  # bolt's default


def installation_store(db: Database, *, client_id: str) -> AsyncSQLAlchemyInstallationStore:
    """Installations and bots of every workspace that installed the app."""
    return AsyncSQLAlchemyInstallationStore(
        client_id=client_id,
        engine=db.engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )


def oauth_state_store(
    db: Database, *, expiration_seconds: int = DEFAULT_STATE_EXPIRATION_SECONDS
) -> AsyncSQLAlchemyOAuthStateStore:
    """One-time ``state`` values of the OAuth install flow."""
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=db.engine, table_name=OAUTH_STATES_TABLE
    )


def add_slack_tables(metadata: MetaData) -> None:
    """Add slack-sdk's own table definitions to ``metadata`` (for migration checks)."""
    AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    AsyncSQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)
