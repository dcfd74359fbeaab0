"""Schedules in Slack: ``/worker schedule``, ``/worker schedules``, "Schedule..." and "Cancel".

The modal is opened right after the acknowledgement with the interaction's
``trigger_id`` (valid once, for three seconds), before any slower call; the user's time
zone (``users.info``) is fetched afterwards and the modal updated to show it. Lists are
reconciled with the Workers API by ``ScheduleService`` and shown in the user's zone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.deps import Deps
from bot.errors import InvalidInput, SlackError, SlackWorkersError
from bot.relay.budget import Priority
from bot.relay.slack_writer import SlackWriter
from bot.render.errors import user_message
from bot.render.schedules import ScheduleRow, schedule_list_blocks
from bot.schedules.service import Listed, spec_value
from bot.slack import ids
from bot.slack.payloads import ScheduleModalMeta, ScheduleRef, WorkerRef, decode
from bot.slack.recent import user_zone
from bot.slack.schedule_form import Form, allowed_budgets, modal_view
from storage.repositories import links, turns

log = logging.getLogger(__name__)

CANCELLED = {
    "cancelled": "Cancelled: that schedule will not run again.",
    "already": "That schedule was already cancelled or has finished.",
    "unknown": "I do not know that schedule; it may have been removed already.",
}


def _team(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or body.get("team", {}).get("id") or "")


def _user(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or body.get("user", {}).get("id") or "")


async def open_modal(
    deps: Deps, *, trigger_id: str, meta: ScheduleModalMeta, task: str = ""
) -> None:
    """``views.open`` at once, then show the user's time zone with ``views.update``."""
    slack = await deps.workspaces.writer(meta.team_id)
    budgets = allowed_budgets(deps.settings, meta.user_id)
    form = Form(task=task)
    default = deps.settings.default_budget
    view = modal_view(
        meta, form, budgets=budgets, default_budget=default, now=deps.clock.now(), tz=None
    )
    opened = await slack.call(
        "views.open", trigger_id=trigger_id, view=view, priority=Priority.URGENT
    )
    zone = await user_zone(slack, meta.user_id)
    if zone.key == "UTC":
        return  # what the modal already says
    shown = opened.get("view") or {}
    updated = modal_view(
        meta, form, budgets=budgets, default_budget=default, now=deps.clock.now(), tz=zone
    )
    try:
        await slack.call(
            "views.update",
            view_id=shown.get("id"),
            hash=shown.get("hash"),
            view=updated,
            priority=Priority.URGENT,
        )
    except SlackError as exc:  # the user already changed it (hash_conflict): theirs wins
        log.info("schedule modal not updated: %s", exc.error, extra={"user": meta.user_id})


async def open_from_command(deps: Deps, body: dict[str, Any], task: str) -> None:
    """``/worker schedule [task]``: a schedule for a new worker."""
    meta = ScheduleModalMeta(
        team_id=_team(body), channel_id=str(body["channel_id"]), user_id=_user(body)
    )
    await open_modal(deps, trigger_id=str(body["trigger_id"]), meta=meta, task=task)


async def open_from_turn(deps: Deps, body: dict[str, Any]) -> None:
    """The "Schedule..." button under a finished turn: that worker, that turn's task."""
    ref = decode(WorkerRef, str(body["actions"][0].get("value") or ""))
    team_id = _team(body)
    # One local database read before views.open: fast, and the task is worth prefilling.
    async with deps.db.transaction() as session:
        link = await links.get_link_by_id(session, link_id=ref.link_id)
        history = await turns.turns_for_link(session, link_id=ref.link_id) if link else []
    if link is None or link.team_id != team_id:
        raise InvalidInput("That button is out of date. Please try again.")
    meta = ScheduleModalMeta(
        team_id=team_id,
        channel_id=str(body.get("channel", {}).get("id") or link.channel_id),
        user_id=_user(body),
        worker_id=ref.worker_id,
        link_id=link.id,
        thread_ts=link.thread_ts,
    )
    task = history[-1].input if history else ""
    await open_modal(deps, trigger_id=str(body["trigger_id"]), meta=meta, task=task)


def rows_of(listed: list[Listed]) -> list[ScheduleRow]:
    return [
        ScheduleRow(
            schedule_id=item.schedule.id,
            kind=item.schedule.kind,  # type: ignore[arg-type]  # checked by the table
            spec=spec_value(item.schedule.kind, item.schedule.spec),
            task=item.schedule.task,
            budget=item.schedule.budget,
            next_run_at=item.next_run_at,
            channel_id=item.schedule.channel_id,
            creator_id=item.schedule.creator_id,
        )
        for item in listed
    ]


async def list_channel(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> None:
    """``/worker schedules``: this channel's schedules, each with Cancel (ephemeral)."""
    team_id, user_id = _team(body), _user(body)
    listed = await deps.schedules.channel_schedules(
        team_id=team_id, channel_id=str(body["channel_id"])
    )
    slack = await deps.workspaces.writer(team_id)
    zone = await user_zone(slack, user_id)
    blocks = schedule_list_blocks(
        rows_of(listed), deps.clock.now(), zone, command=deps.settings.slack_command
    )
    await respond(response_type="ephemeral", text="Schedules in this channel", blocks=blocks)


async def home_rows(deps: Deps, *, team_id: str, user_id: str) -> list[ScheduleRow]:
    """The schedules a user created, for the App Home tab."""
    return rows_of(await deps.schedules.creator_schedules(team_id=team_id, creator_id=user_id))


async def _is_admin(slack: SlackWriter, user_id: str) -> bool:
    try:
        answer = await slack.call("users.info", user=user_id, priority=Priority.URGENT)
    except SlackError:
        return False  # unknown: not an admin, so only the creator can cancel
    user = answer.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ids.OPEN_SCHEDULE)
    async def on_open(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            await open_from_turn(deps, body)
        except SlackWorkersError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=user_message(exc))

    @app.action(re.compile(rf"^{ids.CANCEL_SCHEDULE}(_\d+)?$"))
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team_id, user_id = _team(body), _user(body)
        try:
            ref = decode(ScheduleRef, str(body["actions"][0].get("value") or ""))
            row = await deps.schedules.get(ref.schedule_id)
            admin = False
            if row is not None and row.creator_id != user_id:
                admin = await _is_admin(await deps.workspaces.writer(team_id), user_id)
            outcome = await deps.schedules.cancel(
                team_id=team_id, schedule_id=ref.schedule_id, user_id=user_id, is_admin=admin
            )
        except SlackWorkersError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=user_message(exc))
            return
        log.info("schedule cancel button: %s", outcome, extra={"team": team_id, "user": user_id})
        await respond(response_type="ephemeral", replace_original=False, text=CANCELLED[outcome])
