"""Global Bolt middleware: drop Slack's redeliveries of events we already handled.

Slack retries an event up to three times over about five minutes when it did not see a
fast 200, and Socket Mode may redeliver after a reconnect. Every event id is recorded
once (``storage`` ``seen``: an atomic insert-or-ignore shared by all processes); a
repeat is acknowledged and goes no further.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.clock import Clock
from storage.engine import Database
from storage.repositories import events

log = logging.getLogger(__name__)

Next = Callable[[], Awaitable[BoltResponse]]


def dedupe_events(db: Database, clock: Clock) -> Callable[..., Awaitable[Any]]:
    async def middleware(
        req: AsyncBoltRequest, context: AsyncBoltContext, next: Next
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if body.get("type") != "event_callback" or not isinstance(event_id, str):
            return await next()
        async with db.transaction() as session:
            repeat = await events.seen(session, event_id=event_id, now=clock.now())
        if repeat:
            log.info("dropped a repeated event", extra={"team": context.team_id, "event": event_id})
            return BoltResponse(status=200, body="")
        return await next()

    return middleware
