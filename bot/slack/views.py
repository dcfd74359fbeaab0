"""The schedule modal: its submission and the actions inside it.

Submission: every field is checked and the bad ones come back as ``response_action:
errors`` on their blocks (within Slack's three seconds: the checks are pure, plus one
``conversations.info`` to learn whether the bot can post in the chosen channel). A good
form closes the modal at once; the schedule is then created on the Workers API, stored,
and confirmed to the user (ephemeral in the report channel, else by DM) with the next
run in their time zone. Changing ``kind`` (or pressing Enter in a timing input) rebuilds
the modal with the inputs of that kind and a fresh preview (``views.update``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.deps import Deps
from bot.errors import InvalidInput, SlackError, SlackWorkersError
from bot.relay.budget import Priority
from bot.relay.slack_writer import SlackWriter
from bot.render.errors import user_message
from bot.render.schedules import schedule_confirmation
from bot.schedules.service import Listed, NewSchedule
from bot.slack import ids
from bot.slack.payloads import ScheduleModalMeta, decode
from bot.slack.recent import user_zone
from bot.slack.schedule_form import (
    PREVIEW_INPUTS,
    Checked,
    allowed_budgets,
    check_form,
    modal_view,
    read_form,
)
from bot.slack.schedule_surface import rows_of

log = logging.getLogger(__name__)


def cannot_post_text(channel_id: str) -> str:
    return (
        f"I cannot post in <#{channel_id}>. Invite me there first (`/invite @` and my "
        "name), or pick another channel."
    )


async def bot_can_post(slack: SlackWriter, channel_id: str) -> bool:
    """True when the bot is in the channel (or it is the bot's DM with the user)."""
    try:
        answer = await slack.call(
            "conversations.info", channel=channel_id, priority=Priority.URGENT
        )
    except SlackError:
        return False
    info = answer.get("channel") or {}
    return bool(info.get("is_member") or info.get("is_im")) and not info.get("is_archived")


def _values(body: dict[str, Any]) -> dict[str, Any]:
    values = body.get("view", {}).get("state", {}).get("values")
    return values if isinstance(values, dict) else {}


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(ids.SCHEDULE_CALLBACK)
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        user_id = str(body["user"]["id"])
        try:
            meta = decode(ScheduleModalMeta, body["view"].get("private_metadata"))
        except InvalidInput as exc:
            await ack(response_action="errors", errors={ids.TASK: exc.text[:150]})
            return
        form = read_form(_values(body))
        checked = check_form(
            form,
            now=deps.clock.now(),
            budgets=allowed_budgets(deps.settings, user_id),
        )
        slack = await deps.workspaces.writer(meta.team_id)
        if isinstance(checked, Checked) and not await bot_can_post(slack, checked.channel):
            await ack(
                response_action="errors", errors={ids.CHANNEL: cannot_post_text(checked.channel)}
            )
            return
        if not isinstance(checked, Checked):
            await ack(response_action="errors", errors=checked.by_block)
            return
        await ack()
        await _create(deps, slack, meta, user_id, checked)

    async def on_modal_change(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = body.get("view") or {}
        user_id = str(body["user"]["id"])
        try:
            meta = decode(ScheduleModalMeta, view.get("private_metadata"))
        except InvalidInput:
            return  # an out-of-date modal: nothing to refresh
        slack = await deps.workspaces.writer(meta.team_id)
        zone = await user_zone(slack, user_id)
        updated = modal_view(
            meta,
            read_form(_values(body)),
            budgets=allowed_budgets(deps.settings, user_id),
            default_budget=deps.settings.default_budget,
            now=deps.clock.now(),
            tz=zone,
        )
        try:
            await slack.call(
                "views.update",
                view_id=view.get("id"),
                hash=view.get("hash"),
                view=updated,
                priority=Priority.URGENT,
            )
        except SlackError as exc:  # hash_conflict: a newer change is on its way
            log.info("schedule modal not refreshed: %s", exc.error, extra={"user": user_id})

    for action_id in (ids.KIND, *PREVIEW_INPUTS):
        app.action({"action_id": action_id, "type": "block_actions"})(on_modal_change)


async def _create(
    deps: Deps, slack: SlackWriter, meta: ScheduleModalMeta, user_id: str, checked: Checked
) -> None:
    zone = await user_zone(slack, user_id)
    try:
        created = await deps.schedules.create(
            NewSchedule(
                team_id=meta.team_id,
                channel_id=checked.channel,
                creator_id=user_id,
                task=checked.task,
                budget=checked.budget,
                when=checked.when,
                worker_id=meta.worker_id,
                time_zone=zone.key,
            )
        )
    except SlackWorkersError as exc:
        log.warning("schedule not created: %s", type(exc).__name__, extra={"user": user_id})
        await _tell(slack, meta.channel_id, user_id, user_message(exc))
        return
    row = created.schedule
    (shown,) = rows_of([Listed(row, row.next_run_at)])
    text = schedule_confirmation(shown, now=deps.clock.now(), tz=zone)
    if created.new_worker:
        text += " The worker is doing its first run now; its report is posted there too."
    await _tell(slack, checked.channel, user_id, text)
    if created.new_worker:
        await deps.reports.deliver_first_run(row.id)


async def _tell(slack: SlackWriter, channel_id: str, user_id: str, text: str) -> None:
    """An ephemeral note to the user in ``channel_id``; by DM if that is refused."""
    try:
        await slack.call(
            "chat.postEphemeral",
            channel=channel_id,
            user=user_id,
            text=text,
            priority=Priority.URGENT,
        )
    except SlackError:
        await slack.call("chat.postMessage", channel=user_id, text=text, priority=Priority.URGENT)
