"""Events: @mentions, DMs and replies in linked threads.

* ``app_mention`` in a channel starts a worker in the thread of that message, or
  continues the worker when the mention is in a thread already linked to one.
* A top-level DM to the bot starts a worker in the DM's thread.
* A reply in a linked thread (channel or DM) continues its worker, no re-mention
  needed; while a turn runs, the reply is queued and gets an :inbox_tray: reaction.

Ignored: the bot's own and other bots' messages, edits, deletions, joins and other
subtypes, replies in threads that are not linked. A mention in a channel arrives twice
(``app_mention`` and ``message``): the ``message`` copy is skipped, and every triggering
message is also de-duplicated by channel and ts.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.conversations import Request
from bot.deps import Deps
from bot.errors import SlackWorkersError, UserFacingError
from bot.relay.budget import Priority
from bot.render.errors import user_message
from bot.slack.command_text import parse_command
from storage.repositories import events as seen_events

log = logging.getLogger(__name__)

HANDLED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def _strip_mention(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return " ".join(text.split(" ")).strip()


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("bot_id") or event.get("subtype") not in HANDLED_SUBTYPES:
            return
        text = _strip_mention(str(event.get("text") or ""), context.bot_user_id)
        await _handle(deps, context, event, text, origin="mention")

    @app.event("message")
    async def on_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("bot_id") or event.get("subtype") not in HANDLED_SUBTYPES:
            return
        if event.get("user") in (None, context.bot_user_id):
            return
        text = str(event.get("text") or "")
        is_dm = event.get("channel_type") == "im"
        if not is_dm and context.bot_user_id and f"<@{context.bot_user_id}" in text:
            return  # the app_mention copy of this message handles it
        if not is_dm and not _is_reply(event):
            return  # plain channel chatter
        await _handle(deps, context, event, _strip_mention(text, context.bot_user_id), origin="dm")


def _is_reply(event: dict[str, Any]) -> bool:
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


async def _handle(
    deps: Deps, context: AsyncBoltContext, event: dict[str, Any], text: str, *, origin: str
) -> None:
    team_id = str(context.team_id or event.get("team") or "")
    channel_id, ts, user_id = str(event["channel"]), str(event["ts"]), str(event["user"])
    ids = {"team": team_id, "channel": channel_id, "user": user_id}
    async with deps.db.transaction() as session:
        if await seen_events.seen(session, event_id=f"msg:{channel_id}:{ts}", now=deps.clock.now()):
            return
    thread_ts = str(event.get("thread_ts") or ts)
    request = Request(
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        text=text,
        thread_ts=thread_ts,
        trigger_ts=ts,
        origin="mention" if origin == "mention" else "dm",
    )
    try:
        if _is_reply(event):
            accepted = await deps.conversations.reply(request)
            if accepted is None and origin == "mention":
                accepted = await deps.conversations.start(_with_budget(request))
        else:
            accepted = await deps.conversations.start(_with_budget(request))
    except UserFacingError as exc:
        log.info("request refused", extra=ids)
        await _tell(deps, event, team_id, user_message(exc))
        return
    except SlackWorkersError as exc:
        # Tell the user in words, then let Bolt's error handler log it: not swallowed.
        await _tell(deps, event, team_id, user_message(exc))
        raise
    if accepted is not None and accepted.queued:
        slack = await deps.workspaces.writer(team_id)
        await slack.call(
            "reactions.add",
            channel=channel_id,
            timestamp=ts,
            name="inbox_tray",
            priority=Priority.LOW,
        )


async def _tell(deps: Deps, event: dict[str, Any], team_id: str, text: str) -> None:
    """An ephemeral answer to the author, in the thread when the message was a reply."""
    slack = await deps.workspaces.writer(team_id)
    await slack.call(
        "chat.postEphemeral",
        channel=str(event["channel"]),
        user=str(event["user"]),
        priority=Priority.URGENT,
        text=text,
        thread_ts=str(event["thread_ts"]) if _is_reply(event) else None,
    )


def _with_budget(request: Request) -> Request:
    """A mention or DM may start with ``--budget B`` like the slash command."""
    parsed = parse_command(request.text)
    if parsed.action != "run" or parsed.budget is None:
        return request
    return Request(**{**request.__dict__, "text": parsed.task, "budget": parsed.budget})
