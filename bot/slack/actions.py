"""Buttons under a finished turn: "Email address" ("Schedule..." is in ``schedule_surface``)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.deps import Deps
from bot.errors import SlackWorkersError
from bot.render.commands import email_text
from bot.render.errors import user_message
from bot.slack import ids
from bot.slack.payloads import WorkerRef, decode

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ids.EMAIL_ADDRESS)
    async def on_email(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        action = body["actions"][0]
        try:
            ref = decode(WorkerRef, str(action.get("value") or ""))
            address = await deps.workers.email_address(ref.worker_id)
        except SlackWorkersError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=user_message(exc))
            return
        await respond(response_type="ephemeral", replace_original=False, text=email_text(address))
