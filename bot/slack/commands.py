"""``/worker``: acknowledge within Slack's three seconds, then do the work.

Bad input is answered in the acknowledgement itself (ephemeral, nothing started). A run
posts the parent message ``<@user>: task`` in the channel first; the turn streams into
its thread. If the bot cannot post there (not a member, a DM between people), the user
gets an ephemeral explanation through ``response_url``, which works everywhere.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.conversations import Request
from bot.deps import Deps
from bot.errors import SlackError, SlackWorkersError, UserFacingError
from bot.limits import MAX_TASK_CHARS
from bot.relay.budget import Priority
from bot.render.commands import help_text, not_in_channel_text, status_blocks
from bot.render.errors import user_message
from bot.render.turns import parent_message
from bot.slack import schedule_surface
from bot.slack.command_text import Command, parse_command
from bot.slack.recent import recent_workers

log = logging.getLogger(__name__)

CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def register(app: AsyncApp, deps: Deps) -> None:
    command = deps.settings.slack_command

    @app.command(command)
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        ids = {
            "team": body.get("team_id"),
            "channel": body.get("channel_id"),
            "user": body.get("user_id"),
        }
        try:
            parsed = parse_command(str(body.get("text") or ""))
            if parsed.action == "run":
                deps.conversations.check(
                    task=parsed.task, budget=parsed.budget, user_id=str(body["user_id"])
                )
        except UserFacingError as exc:
            await ack(response_type="ephemeral", text=user_message(exc))
            return
        if parsed.action == "help":
            await ack(response_type="ephemeral", text=help_text(command, MAX_TASK_CHARS))
            return
        await ack()
        log.info("slash command: %s", parsed.action, extra=ids)
        try:
            if parsed.action == "run":
                await _run(deps, body, parsed, respond)
            elif parsed.action == "status":
                await _status(deps, body, respond)
            elif parsed.action == "schedule":  # the modal first: the trigger lasts 3 s
                await schedule_surface.open_from_command(deps, body, parsed.task)
            else:
                await schedule_surface.list_channel(deps, body, respond)
        except UserFacingError as exc:
            await respond(response_type="ephemeral", text=user_message(exc))
        except SlackWorkersError as exc:
            # Tell the user in words, then let Bolt's error handler log it: not swallowed.
            await respond(response_type="ephemeral", text=user_message(exc))
            raise


async def _run(deps: Deps, body: dict[str, Any], parsed: Command, respond: AsyncRespond) -> None:
    team_id, channel_id, user_id = (
        str(body["team_id"]),
        str(body["channel_id"]),
        str(body["user_id"]),
    )
    budget = parsed.budget or deps.settings.default_budget
    text, blocks = parent_message(user_id, parsed.task, budget)
    slack = await deps.workspaces.writer(team_id)
    try:
        posted = await slack.call(
            "chat.postMessage",
            channel=channel_id,
            priority=Priority.URGENT,
            text=text,
            blocks=blocks,
            unfurl_links=False,
        )
    except SlackError as exc:
        if exc.error in CANNOT_POST:
            await respond(
                response_type="ephemeral", text=not_in_channel_text(deps.settings.slack_command)
            )
            return
        raise
    await deps.conversations.start(
        Request(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            text=parsed.task,
            thread_ts=str(posted["ts"]),
            trigger_ts=str(posted["ts"]),
            origin="command",
            budget=parsed.budget,
        )
    )


async def _status(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    rows = await recent_workers(deps, team_id=str(body["team_id"]), user_id=str(body["user_id"]))
    await respond(
        response_type="ephemeral",
        text="Your recent workers",
        blocks=status_blocks(rows, deps.clock.now(), command=deps.settings.slack_command),
    )
