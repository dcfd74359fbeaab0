"""The schedule modal's form: read Slack's ``view.state``, check it, rebuild the view.

Pure: no Slack calls. ``read_form`` takes ``view.state.values`` (each input's
``action_id`` equals its ``block_id``); ``check_form`` returns either what to create or
the errors per block, for ``response_action: errors``; ``modal_view`` renders the modal
for the chosen kind with the preview of the next five runs in the user's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.limits import MODAL_TASK_CHARS
from bot.render.schedules import DEFAULT_BUDGETS, schedule_modal
from bot.schedules.parse import build_when, parse_kind, parse_task
from bot.schedules.preview import preview_lines
from bot.schedules.service import When, spec_of, spec_value
from bot.settings import Settings
from bot.slack import ids
from bot.slack.payloads import ScheduleModalMeta
from bot.workers.models import Budget, ScheduleKind

# Inputs that refresh the preview when they change (Enter in a text input, a pick in the
# date-time picker); ``kind`` also swaps the inputs shown.
PREVIEW_INPUTS = (ids.CRON, ids.EVERY, ids.AT)


@dataclass(frozen=True)
class Form:
    """What the user has put into the modal so far (raw, unchecked)."""

    task: str = ""
    kind: str = "cron"
    cron: str = ""
    every: str = ""
    at: int | None = None
    budget: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Checked:
    task: str
    kind: ScheduleKind
    when: When
    budget: Budget
    channel: str


@dataclass
class Problems:
    """Errors by block id; empty when the form is fine."""

    by_block: dict[str, str] = field(default_factory=dict)

    def add(self, exc: InvalidInput) -> None:
        self.by_block.setdefault(exc.field or ids.TASK, exc.text[:150])


def _element(values: dict[str, Any], block: str) -> dict[str, Any]:
    found = values.get(block, {}).get(block)
    return found if isinstance(found, dict) else {}


def _selected(element: dict[str, Any]) -> str | None:
    option = element.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def read_form(values: dict[str, Any]) -> Form:
    """The form from ``view.state.values`` (missing inputs are empty)."""
    at = _element(values, ids.AT).get("selected_date_time")
    channel = _element(values, ids.CHANNEL).get("selected_conversation")
    return Form(
        task=str(_element(values, ids.TASK).get("value") or ""),
        kind=_selected(_element(values, ids.KIND)) or "cron",
        cron=str(_element(values, ids.CRON).get("value") or ""),
        every=str(_element(values, ids.EVERY).get("value") or ""),
        at=int(at) if isinstance(at, int | float | str) and str(at).isdigit() else None,
        budget=_selected(_element(values, ids.BUDGET)),
        channel=channel if isinstance(channel, str) and channel else None,
    )


def allowed_budgets(settings: Settings, user_id: str) -> tuple[str, ...]:
    """The budgets this user may pick: ``unlimited`` only for the listed users."""
    if user_id in settings.unlimited_budget_users:
        return (*DEFAULT_BUDGETS, "unlimited")
    return DEFAULT_BUDGETS


def check_form(form: Form, *, now: datetime, budgets: Sequence[str]) -> Checked | Problems:
    """Everything wrong with the form at once, or what to create."""
    problems = Problems()
    task = kind = when = None
    try:
        task = parse_task(form.task, limit=MODAL_TASK_CHARS)
    except InvalidInput as exc:
        problems.add(exc)
    try:
        kind = parse_kind(form.kind)
        when = build_when(kind, cron=form.cron, every=form.every, at=form.at, now=now)
    except InvalidInput as exc:
        problems.add(exc)
    budget = form.budget
    if budget not in budgets:
        problems.add(InvalidInput("Choose one of the budgets offered.", field=ids.BUDGET))
    if not form.channel:
        problems.add(InvalidInput("Choose where the reports go.", field=ids.CHANNEL))
    if problems.by_block or task is None or kind is None or when is None:
        return problems
    return Checked(
        task=task,
        kind=kind,
        when=when,
        budget=budget,  # type: ignore[arg-type]  # one of ``budgets``, all valid
        channel=form.channel or "",
    )


def _kind(value: str) -> ScheduleKind:
    try:
        return parse_kind(value)
    except InvalidInput:
        return "cron"


def preview(form: Form, *, now: datetime, tz: ZoneInfo) -> list[str] | None:
    """The next five runs in ``tz``, or None while the timing inputs are incomplete."""
    try:
        kind = parse_kind(form.kind)
        when = build_when(kind, cron=form.cron, every=form.every, at=form.at, now=now)
    except InvalidInput:
        return None
    return preview_lines(kind, spec_value(kind, spec_of(when)), now=now, tz=tz)


def modal_view(
    meta: ScheduleModalMeta,
    form: Form,
    *,
    budgets: Sequence[str],
    default_budget: str,
    now: datetime,
    tz: ZoneInfo | None,
) -> dict[str, Any]:
    """The modal for ``form``'s kind; the preview when ``tz`` is known and inputs parse."""
    view = schedule_modal(
        meta=meta,
        task=form.task,
        kind=_kind(form.kind),
        cron=form.cron,
        every=form.every,
        at=form.at,
        budget=form.budget or default_budget,
        budgets=budgets,
        preview=preview(form, now=now, tz=tz) if tz is not None else None,
        tz_name=tz.key if tz is not None else "UTC",
    )
    for block in view["blocks"]:
        if block.get("block_id") in PREVIEW_INPUTS:
            block["dispatch_action"] = True
    return view
