"""The user's recent workers, for ``/worker status`` and the App Home tab."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.errors import SlackError
from bot.relay.budget import Priority
from bot.relay.slack_writer import SlackWriter
from bot.render.commands import RecentWorker

_STATE = {
    "queued": "pending",
    "starting": "pending",
    "running": "running",
    "done": "completed",
    "failed": "failed",
    "cancelled": "failed",
}


async def recent_workers(deps: Deps, *, team_id: str, user_id: str) -> list[RecentWorker]:
    slack = await deps.workspaces.writer(team_id)
    rows: list[RecentWorker] = []
    links: dict[tuple[str, str], str | None] = {}
    for turn in await deps.recent_turns(team_id=team_id, user_id=user_id):
        key = (turn.channel_id, turn.thread_ts)
        if key not in links:
            links[key] = await _permalink(slack, turn.channel_id, turn.thread_ts)
        rows.append(
            RecentWorker(
                worker_id=turn.worker_id or "-",
                task=turn.input,
                state=_STATE[turn.status],
                started_at=turn.started_at or turn.created_at,
                permalink=links[key],
                channel_id=turn.channel_id,
            )
        )
    return rows


async def _permalink(slack: SlackWriter, channel: str, ts: str) -> str | None:
    try:
        answer = await slack.call(
            "chat.getPermalink", channel=channel, message_ts=ts, priority=Priority.URGENT
        )
    except SlackError:
        return None  # the list still shows the worker, without a link
    link = answer.get("permalink")
    return str(link) if link else None


async def user_zone(slack: SlackWriter, user_id: str) -> ZoneInfo:
    """The user's time zone from ``users.info`` (UTC when Slack does not say)."""
    try:
        answer = await slack.call("users.info", user=user_id, priority=Priority.URGENT)
        return ZoneInfo(str(answer.get("user", {}).get("tz") or "UTC"))
    except (SlackError, ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
