"""Everything a running bot holds: built once at start, closed once at exit.

``open_deps`` is the composition root: settings in, adapters out. Tests and ``dev``
pass their own clock or Workers API port; nothing here is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.conversations import Conversations
from bot.errors import ConfigError
from bot.relay.context import RelayContext
from bot.relay.supervisor import Supervisor
from bot.relay.workspaces import SlackWorkspaces
from bot.schedules.delivery import POLL_SECONDS, ReportDelivery
from bot.schedules.service import ScheduleService
from bot.settings import Settings
from bot.workers.client import WorkersClient
from bot.workers.port import WorkersPort
from storage.engine import Database, open_database
from storage.migrations import upgrade_database
from storage.models import Turn
from storage.repositories import turns

RECENT_LIMIT = 10


@dataclass
class Deps:
    settings: Settings
    db: Database
    workers: WorkersPort
    workspaces: SlackWorkspaces
    supervisor: Supervisor
    conversations: Conversations
    clock: Clock
    schedules: ScheduleService
    reports: ReportDelivery

    async def recent_turns(self, *, team_id: str, user_id: str) -> list[Turn]:
        async with self.db.transaction() as session:
            return await turns.recent_turns_for_user(
                session, team_id=team_id, user_id=user_id, limit=RECENT_LIMIT
            )


@asynccontextmanager
async def open_deps(
    settings: Settings,
    *,
    clock: Clock | None = None,
    workers: WorkersPort | None = None,
    budget_scale: float = 1.0,
    native_streaming: bool = True,
    schema: str | None = None,
    schedule_poll_seconds: float = POLL_SECONDS,
) -> AsyncIterator[Deps]:
    """``schema``: a PostgreSQL schema for everything (tests run several bots on one
    database); ``schedule_poll_seconds``: how often scheduled runs are looked for."""
    clock = clock or SystemClock()
    await upgrade_database(settings.database_url, schema=schema)
    db = open_database(settings.database_url, schema=schema)
    client: WorkersClient | None = None
    if workers is None:
        if settings.workers_api_url is None or settings.workers_api_key is None:
            raise ConfigError("WORKERS_API_URL and WORKERS_API_KEY must be set")
        client = WorkersClient(
            str(settings.workers_api_url), settings.workers_api_key.get_secret_value()
        )
        workers = client
    bot_token = settings.slack_bot_token

    async def token_for(team_id: str) -> str:
        if bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        return bot_token.get_secret_value()

    workspaces = SlackWorkspaces(
        api_url=str(settings.slack_api_url),
        token_for=token_for,
        clock=clock,
        budget_scale=budget_scale,
    )
    ctx = RelayContext(
        db=db,
        workers=workers,
        slack=workspaces,
        clock=clock,
        native_streaming=native_streaming,
        lease_ttl=settings.lease_seconds,
    )
    supervisor = Supervisor(ctx)
    conversations = Conversations(db=db, supervisor=supervisor, settings=settings, clock=clock)
    reports = ReportDelivery(
        db=db,
        workers=workers,
        slack=workspaces,
        supervisor=supervisor,
        clock=clock,
        owner=ctx.owner,
        poll_seconds=schedule_poll_seconds,
    )
    deps = Deps(
        settings=settings,
        db=db,
        workers=workers,
        workspaces=workspaces,
        supervisor=supervisor,
        conversations=conversations,
        clock=clock,
        schedules=ScheduleService(db=db, workers=workers, clock=clock),
        reports=reports,
    )
    supervisor.start()
    reports.start()
    try:
        yield deps
    finally:
        await reports.stop()
        await supervisor.stop()
        if client is not None:
            await client.aclose()
        await db.dispose()
