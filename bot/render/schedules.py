"""The schedule modal, schedule lists (with Cancel buttons) and the confirmation text.

The modal's ids are a fixed contract (DESIGN.md section 3, ``bot.slack.ids``): callback
``schedule_create``; each input's ``action_id`` equals its ``block_id``. The ``kind``
select dispatches an action on change, so the view handler can rebuild the modal with
only the inputs that kind needs and a fresh preview (``views.update`` keeps what the
user typed into inputs whose block ids stay the same).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.limits import MODAL_TASK_CHARS
from bot.render.text import fit_mrkdwn, format_relative
from bot.schedules.preview import ScheduleSpec, describe_schedule, format_local
from bot.slack import ids
from bot.slack.payloads import ScheduleModalMeta, ScheduleRef, encode
from bot.workers.models import (
    CronSchedule,
    DelayedSchedule,
    IntervalSchedule,
    Schedule,
    ScheduleKind,
)

Block = dict[str, Any]

MAX_LISTED = 20
"""Schedules listed in one message; the rest are counted. 20 sections plus a header and
a footer stay far under Slack's 50 blocks per message."""
TASK_EXCERPT_CHARS = 200

KIND_LABELS: dict[ScheduleKind, str] = {
    "cron": "Repeat on a cron pattern",
    "interval": "Repeat every...",
    "scheduled": "Once, at a date and time",
    "delayed": "Once, after a delay",
}
DEFAULT_BUDGETS: tuple[str, ...] = ("low", "standard", "high")

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class ScheduleRow:
    """One schedule as lists show it (from storage, or from the API via ``from_api``)."""

    schedule_id: str
    kind: ScheduleKind
    spec: ScheduleSpec
    task: str
    budget: str
    next_run_at: datetime | None = None
    channel_id: str | None = None
    creator_id: str | None = None

    @classmethod
    def from_api(cls, schedule: Schedule, *, channel_id: str | None = None) -> ScheduleRow:
        spec: ScheduleSpec
        if isinstance(schedule, CronSchedule):
            spec = schedule.cron
        elif isinstance(schedule, IntervalSchedule):
            spec = schedule.interval_seconds
        elif isinstance(schedule, DelayedSchedule):
            spec = schedule.delay_in_seconds
        else:
            spec = schedule.next_run_at
        return cls(
            schedule_id=schedule.id,
            kind=schedule.type,
            spec=spec,
            task=schedule.input,
            budget=schedule.budget,
            next_run_at=schedule.next_run_at,
            channel_id=channel_id,
        )


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label[:75]), "value": value}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
    }
    if hint:
        block["hint"] = _plain(hint)
    if dispatch:
        block["dispatch_action"] = True
    return block


def _text_input(placeholder: str, initial: str, *, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "placeholder": _plain(placeholder),
        "max_length": MODAL_TASK_CHARS if multiline else 100,
    }
    if multiline:
        element["multiline"] = True
    limit = element["max_length"]
    if initial:
        element["initial_value"] = initial[:limit]
    return element


def _channel_mention(channel_id: str | None) -> str | None:
    return f"<#{channel_id}>" if channel_id and _CHANNEL_ID.match(channel_id) else None


def schedule_modal(
    *,
    meta: ScheduleModalMeta,
    task: str = "",
    kind: ScheduleKind = "cron",
    cron: str = "",
    every: str = "",
    at: int | None = None,
    budget: str = "standard",
    budgets: Sequence[str] = DEFAULT_BUDGETS,
    preview: list[str] | None = None,
    tz_name: str = "UTC",
) -> dict[str, Any]:
    """The modal view for creating a schedule (``views.open`` / ``views.update``).

    Only the inputs ``kind`` needs are shown: ``cron`` for cron, ``every`` for interval
    and delayed, ``at`` (a datetimepicker; Unix seconds) for scheduled. ``preview`` is
    the next runs already formatted in the user's zone (``preview_lines``).
    ``budgets`` are the ones this user may pick (``unlimited`` only for some).
    """
    kind_options = [_option(value, label) for value, label in KIND_LABELS.items()]
    budget_options = [_option(value, value.capitalize()) for value in budgets]
    chosen_budget = next(
        (option for option in budget_options if option["value"] == budget), budget_options[0]
    )
    channel_element: dict[str, Any] = {
        "type": "conversations_select",
        "default_to_current_conversation": True,
        "filter": {"include": ["public", "private", "mpim", "im"], "exclude_bot_users": True},
    }
    if meta.channel_id:  # explicit wins over "current" (not always known, e.g. from Home)
        channel_element["initial_conversation"] = meta.channel_id

    blocks: list[Block] = [
        _input(
            ids.TASK,
            "Task",
            _text_input("What should the worker do each time?", task, multiline=True),
        ),
        _input(
            ids.KIND,
            "When",
            {
                "type": "static_select",
                "options": kind_options,
                "initial_option": kind_options[list(KIND_LABELS).index(kind)],
            },
            dispatch=True,
        ),
    ]
    if kind == "cron":
        blocks.append(
            _input(
                ids.CRON,
                "Cron expression (UTC)",
                _text_input("0 9 * * 1-5", cron),
                hint="minute hour day month weekday, evaluated in UTC. 0 9 * * 1-5 is "
                "09:00 UTC on weekdays.",
            )
        )
    elif kind in ("interval", "delayed"):
        blocks.append(
            _input(
                ids.EVERY,
                "Every" if kind == "interval" else "After",
                _text_input("45m, 2h, 1d or 1h30m", every),
                hint="At least 5 minutes between runs." if kind == "interval" else None,
            )
        )
    else:
        picker: dict[str, Any] = {"type": "datetimepicker"}
        if at is not None:
            picker["initial_date_time"] = at
        blocks.append(_input(ids.AT, "Date and time", picker))
    blocks.append(
        _input(
            ids.BUDGET,
            "Budget",
            {"type": "static_select", "options": budget_options, "initial_option": chosen_budget},
        )
    )
    blocks.append(_input(ids.CHANNEL, "Post reports in", channel_element))
    blocks.append(_preview_context(kind, preview, tz_name))

    return {
        "type": "modal",
        "callback_id": ids.SCHEDULE_CALLBACK,
        "title": _plain("New schedule"),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "private_metadata": encode(meta),
        "blocks": blocks,
    }


def _preview_context(kind: ScheduleKind, preview: list[str] | None, tz_name: str) -> Block:
    zone = fit_mrkdwn(tz_name, 60, one_line=True)
    if preview:
        runs = ", ".join(fit_mrkdwn(line, 60, one_line=True) for line in preview[:5])
        text = f"*Next runs* ({zone}): {runs}"
    elif preview is not None:
        text = "No upcoming runs for these settings."
    else:
        text = f"Times are shown in your time zone ({zone})."
    if kind == "cron":
        text += "\nCron expressions are evaluated in UTC."
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _schedule_text(row: ScheduleRow, now: datetime, tz: ZoneInfo) -> str:
    parts = [fit_mrkdwn(describe_schedule(row.kind, row.spec, tz=tz), 300, one_line=True)]
    if row.next_run_at is not None:
        parts.append(
            f"next {format_local(row.next_run_at, tz)} ({format_relative(row.next_run_at, now)})"
        )
    parts.append(f"budget {fit_mrkdwn(row.budget, 20, one_line=True)}")
    channel = _channel_mention(row.channel_id)
    if channel:
        parts.append(f"in {channel}")
    if row.creator_id and _USER_ID.match(row.creator_id):
        parts.append(f"by <@{row.creator_id}>")
    task = fit_mrkdwn(row.task, TASK_EXCERPT_CHARS, one_line=True)
    return f"*{task}*\n" + " \u00b7 ".join(parts)


def _cancel_button(schedule_id: str, index: int) -> dict[str, Any]:
    # action_ids must be unique within a view (the Home tab lists several schedules),
    # so each button gets the list position as a suffix; listeners match the prefix.
    return {
        "type": "button",
        "text": _plain("Cancel"),
        "style": "danger",
        "action_id": f"{ids.CANCEL_SCHEDULE}_{index}",
        "value": encode(ScheduleRef(schedule_id=schedule_id)),
        "confirm": {
            "title": _plain("Cancel this schedule?"),
            "text": _plain("It will not run again. Reports already posted stay."),
            "confirm": _plain("Cancel it"),
            "deny": _plain("Keep it"),
        },
    }


def schedule_list_blocks(
    schedules: Sequence[ScheduleRow],
    now: datetime,
    tz: ZoneInfo,
    *,
    command: str = "/worker",
    limit: int = MAX_LISTED,
) -> list[Block]:
    """One section per schedule (task, when, next run, budget, channel) with Cancel."""
    if not schedules:
        hint = fit_mrkdwn(f"{command} schedule", 40, one_line=True)
        return [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"No schedules yet. Create one with `{hint}`."},
            }
        ]
    blocks: list[Block] = []
    for index, row in enumerate(schedules[:limit]):
        blocks.append(
            {
                "type": "section",
                "block_id": f"schedule_{index}",
                "text": {"type": "mrkdwn", "text": _schedule_text(row, now, tz)},
                "accessory": _cancel_button(row.schedule_id, index),
            }
        )
    if len(schedules) > limit:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"_and {len(schedules) - limit} more_"}],
            }
        )
    return blocks


def schedule_confirmation(row: ScheduleRow, *, now: datetime, tz: ZoneInfo) -> str:
    """mrkdwn text confirming a new schedule: what, when, where, next run."""
    task = fit_mrkdwn(row.task, TASK_EXCERPT_CHARS, one_line=True)
    when = fit_mrkdwn(describe_schedule(row.kind, row.spec, tz=tz), 200, idempotent=True)
    text = f":calendar: Scheduled *{task}*: {when}."
    channel = _channel_mention(row.channel_id)
    if channel:
        text += f" Reports go to {channel}."
    if row.next_run_at is not None and row.next_run_at > now:
        text += f" Next run: {format_local(row.next_run_at, tz)}."
    return text
