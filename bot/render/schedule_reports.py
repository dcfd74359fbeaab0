"""The parent message of a scheduled run's report (pure).

The header names the schedule (its task) and the run time; the report itself, its
footer (cost, tokens, elapsed) and files are streamed into this message's thread by the
relay, like any turn. The run time uses Slack's ``<!date>`` token, so each reader sees
it in their own time zone; the fallback text is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.limits import HEADER_TEXT_CHARS
from bot.render.text import fit_mrkdwn
from bot.schedules.preview import ScheduleSpec, describe_schedule
from bot.workers.models import ScheduleKind

Block = dict[str, Any]

NOTIFICATION_CHARS = 150


def _plain_cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def report_parent(
    *,
    task: str,
    kind: ScheduleKind,
    spec: ScheduleSpec,
    run_at: datetime,
    creator_id: str,
    first_run: bool = False,
) -> tuple[str, list[Block]]:
    """(text, blocks) of the report's parent message."""
    when = int(run_at.timestamp())
    fallback = run_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = f"<!date^{when}^{{date_short_pretty}} at {{time}}|{fallback}>"
    schedule = fit_mrkdwn(describe_schedule(kind, spec, tz=ZoneInfo("UTC")), 300, one_line=True)
    label = "First run" if first_run else "Scheduled run"
    title = _plain_cut(f"{label}: {task}", HEADER_TEXT_CHARS)
    text = f"{label} of a schedule: {fit_mrkdwn(task, NOTIFICATION_CHARS, one_line=True)}"
    who = f"<@{creator_id}>" if creator_id.isalnum() else "someone"
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f":calendar: {stamp} \u00b7 {schedule} \u00b7 scheduled by {who}"
                    " \u00b7 the report follows in the thread; reply there to continue",
                }
            ],
        },
    ]
    return text, blocks
