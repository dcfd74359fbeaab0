"""Text and blocks for the slash command's answers and the App Home tab."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.render.schedules import MAX_LISTED, ScheduleRow, schedule_list_blocks
from bot.render.text import fit_mrkdwn, format_relative, mrkdwn_link

Block = dict[str, Any]

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_STATE_EMOJI = {
    "pending": ":hourglass:",
    "running": ":hourglass_flowing_sand:",
    "completed": ":white_check_mark:",
    "failed": ":x:",
}


@dataclass(frozen=True)
class RecentWorker:
    """One of a user's recent workers, as ``/worker status`` and App Home list them."""

    worker_id: str
    task: str
    state: str
    """``pending``, ``running``, ``completed`` or ``failed``."""
    started_at: datetime
    permalink: str | None = None
    """Link to the Slack thread (``chat.getPermalink``), when known."""
    channel_id: str | None = None


def help_text(command: str, max_task_chars: int, *, default_budget: str = "standard") -> str:
    """Usage of the slash command and the other ways to reach a worker (mrkdwn)."""
    cmd = fit_mrkdwn(command, 40, one_line=True)
    default = fit_mrkdwn(default_budget, 20, one_line=True)
    return "\n".join(
        [
            "*Run an AI worker from Slack*",
            f"\u2022 `{cmd} [--budget B] <task>`: start a worker; its answer streams into "
            "the thread of a message I post here.",
            f"\u2022 `{cmd} schedule [task]`: run a task on a schedule (cron, every N, "
            "once at a time, once after a delay); reports go to a channel.",
            f"\u2022 `{cmd} schedules`: this channel's schedules, with Cancel buttons.",
            f"\u2022 `{cmd} status`: your recent workers and links to their threads.",
            f"\u2022 `{cmd} help`: this message.",
            "\u2022 Mention me with a task in a channel, or send me a direct message: the "
            "worker answers in that thread.",
            "\u2022 Reply in a worker's thread to continue it (no need to mention me). A "
            "reply sent while it works is queued and sent when the turn ends.",
            f"Budgets: `low`, `standard`, `high` (default `{default}`); `unlimited` for "
            f"people an admin allows. Tasks can be up to {max_task_chars:,} characters.",
        ]
    )


def email_text(address: str) -> str:
    """The worker's inbound email address (an ephemeral answer)."""
    safe = fit_mrkdwn(address, 320, one_line=True)
    return f":email: Email this worker at `{safe}`: mail sent there continues the worker."


def not_in_channel_text(command: str, *, app_name: str = "Workers") -> str:
    """Why nothing happened when the bot is not a member of the channel, and the fix."""
    cmd = fit_mrkdwn(command, 40, one_line=True)
    name = fit_mrkdwn(app_name, 80, one_line=True)
    return (
        "I'm not in this channel yet, so I can't post here. Invite me with "
        f"`/invite @{name}`, or open the channel details > Integrations > Add apps; "
        f"then run `{cmd}` again."
    )


def _channel_mention(channel_id: str | None) -> str | None:
    return f"<#{channel_id}>" if channel_id and _CHANNEL_ID.match(channel_id) else None


def _worker_line(row: RecentWorker, now: datetime) -> str:
    emoji = _STATE_EMOJI.get(row.state, ":grey_question:")
    label = row.task if row.task.strip() else row.worker_id
    task = (
        mrkdwn_link(row.permalink, label, limit=200)
        if row.permalink
        else fit_mrkdwn(label, 200, one_line=True)
    )
    parts = [f"{emoji} *{fit_mrkdwn(row.state, 20, one_line=True)}*", task]
    parts.append(format_relative(row.started_at, now))
    channel = _channel_mention(row.channel_id)
    if channel:
        parts.append(f"in {channel}")
    return " \u00b7 ".join(parts)


def status_blocks(
    rows: Sequence[RecentWorker],
    now: datetime,
    *,
    command: str = "/worker",
    limit: int = MAX_LISTED,
) -> list[Block]:
    """The user's recent workers (newest first as given), with links to their threads."""
    if not rows:
        cmd = fit_mrkdwn(command, 40, one_line=True)
        return [_section(f"You have no recent workers. Start one with `{cmd} <task>`.")]
    blocks = [_section("*Your recent workers*")]
    blocks += [_section(_worker_line(row, now)) for row in rows[:limit]]
    if len(rows) > limit:
        blocks.append(_context(f"_and {len(rows) - limit} more_"))
    return blocks


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def home_view(
    recent_workers: Sequence[RecentWorker],
    schedules: Sequence[ScheduleRow],
    now: datetime,
    tz: ZoneInfo,
    *,
    command: str = "/worker",
) -> dict[str, Any]:
    """The App Home tab: the user's recent workers and the schedules they created.

    Each list shows at most ``MAX_LISTED`` entries, so the view stays well under
    Slack's 100 blocks.
    """
    blocks: list[Block] = [_header("Your workers")]
    blocks += status_blocks(recent_workers, now, command=command)[
        (1 if recent_workers else 0) :  # the header above replaces the list's title
    ]
    blocks.append({"type": "divider"})
    blocks.append(_header("Your schedules"))
    blocks += schedule_list_blocks(schedules, now, tz, command=command)
    cmd = fit_mrkdwn(command, 40, one_line=True)
    blocks.append(_context(f"`{cmd} help` shows everything I can do."))
    return {"type": "home", "blocks": blocks}
