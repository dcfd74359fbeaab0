"""The conversation service: Slack threads start and continue workers.

Listeners parse Slack payloads and call this; it validates the request, links the
thread to a worker, records the turn and hands it to the relay's supervisor, which makes
the Workers API call after the listener has acknowledged Slack. Nothing here talks to
Slack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.limits import MAX_TASK_CHARS
from bot.relay.supervisor import Supervisor
from bot.settings import BUDGETS, Settings
from storage.engine import Database
from storage.models import ConversationLink, Turn
from storage.repositories import links, turns

log = logging.getLogger(__name__)

Origin = Literal["command", "mention", "dm", "schedule"]


@dataclass(frozen=True)
class Request:
    """Who asked for what, and where the answer goes."""

    team_id: str
    channel_id: str
    user_id: str
    text: str
    thread_ts: str  # the thread the output goes into
    trigger_ts: str | None  # the message that gets the reactions
    origin: Origin
    budget: str | None = None


@dataclass(frozen=True)
class Accepted:
    turn: Turn
    queued: bool  # an earlier turn of this conversation still runs; this one waits


class Conversations:
    def __init__(
        self, *, db: Database, supervisor: Supervisor, settings: Settings, clock: Clock
    ) -> None:
        self._db = db
        self._supervisor = supervisor
        self._settings = settings
        self._clock = clock

    def check(self, *, task: str, budget: str | None, user_id: str) -> str:
        """Validate a request; return the budget to use. ``InvalidInput`` says why not."""
        if not task.strip():
            raise InvalidInput("Tell the worker what to do: the task is empty.", field="task")
        if len(task) > MAX_TASK_CHARS:
            raise InvalidInput(
                f"The task is {len(task):,} characters long; the limit is {MAX_TASK_CHARS:,}. "
                "Put the details in a file or a link and refer to it.",
                field="task",
            )
        chosen = budget or self._settings.default_budget
        if chosen not in BUDGETS:
            raise InvalidInput(
                f"Unknown budget `{chosen}`. Use one of: {', '.join(BUDGETS)}.", field="budget"
            )
        if chosen == "unlimited" and user_id not in self._settings.unlimited_budget_users:
            raise InvalidInput(
                "The `unlimited` budget is reserved for the users an admin listed in "
                "UNLIMITED_BUDGET_USERS. Use `high` instead.",
                field="budget",
            )
        return chosen

    async def start(self, request: Request) -> Accepted:
        """A new request in ``request.thread_ts``; continues the worker if already linked."""
        budget = self.check(task=request.text, budget=request.budget, user_id=request.user_id)
        async with self._db.transaction() as session:
            link = await links.get_link(
                session,
                team_id=request.team_id,
                channel_id=request.channel_id,
                thread_ts=request.thread_ts,
            )
            if link is None:
                link = await links.create_link(
                    session,
                    team_id=request.team_id,
                    channel_id=request.channel_id,
                    thread_ts=request.thread_ts,
                    user_id=request.user_id,
                    budget=budget,
                    origin=request.origin,
                )
            accepted = await self._add_turn(session, link, request, budget)
        await self._supervisor.submit(accepted.turn.id)
        return accepted

    async def reply(self, request: Request) -> Accepted | None:
        """A reply in a thread; None when the thread is not linked to a worker."""
        async with self._db.transaction() as session:
            link = await links.get_link(
                session,
                team_id=request.team_id,
                channel_id=request.channel_id,
                thread_ts=request.thread_ts,
            )
            if link is None:
                return None
            budget = self.check(task=request.text, budget=link.budget, user_id=link.user_id)
            accepted = await self._add_turn(session, link, request, budget)
        await self._supervisor.submit(accepted.turn.id)
        return accepted

    async def _add_turn(
        self, session: AsyncSession, link: ConversationLink, request: Request, budget: str
    ) -> Accepted:
        waiting = await turns.active_or_queued_count(session, link_id=link.id)
        turn = await turns.add_turn(
            session,
            link=link,
            input=request.text,
            budget=budget,
            user_id=request.user_id,
            trigger_ts=request.trigger_ts,
            status="queued",
        )
        log.info(
            "turn accepted",
            extra={
                "team": request.team_id,
                "channel": request.channel_id,
                "user": request.user_id,
                "turn": turn.id,
            },
        )
        return Accepted(turn=turn, queued=waiting > 0)
