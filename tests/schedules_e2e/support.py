"""Helpers for the schedule end-to-end tests: a bot stack with a chosen database, the
open schedule modal, a click inside a modal, and waiting for reports."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from bot.devkit.slack.payloads import user_ref
from bot.devkit.slack.state import APP_ID, TEAM_ID, Message, View
from bot.devkit.slack.view_state import build_state_values
from tests.bot.harness import Stack, running_bot, wait_finished

REPORT_HEADER = "Scheduled run"


@asynccontextmanager
async def bot_stack(
    fake: FakeSlack,
    emulator: Emulator,
    database_url: str,
    *,
    schema: str | None = None,
    poll: float = 600.0,
) -> AsyncIterator[Stack]:
    """The real bot over HTTP. The report loop polls once at start and then only when
    the test calls ``deps.reports.poll_once()`` (``poll`` is long), so runs are found
    when the test says."""
    async with running_bot(
        fake, emulator, database_url=database_url, schema=schema, schedule_poll_seconds=poll
    ) as stack:
        yield stack


async def open_modal(fake: FakeSlack, user: str) -> View:
    """The user's schedule modal once it is open."""
    modal: View = await fake.wait_for(lambda: next(iter(fake.open_modals(user)), None))
    return modal


def block_ids(view: View) -> list[str]:
    return [str(block.get("block_id")) for block in view.definition.get("blocks", [])]


def preview_text(view: View) -> str:
    contexts = [b for b in view.definition["blocks"] if b.get("type") == "context"]
    return " ".join(e["text"] for block in contexts for e in block["elements"])


async def modal_action(
    stack: Stack, user: str, view: View, action_id: str, values: dict[str, Any]
) -> int:
    """A block action inside the modal (a select changed, Enter in an input)."""
    sender = stack.fake.state.users[user]
    body = view.as_api()
    shown = set(block_ids(view))
    state = build_state_values(view.definition, {k: v for k, v in values.items() if k in shown})
    body["state"] = {"values": state}
    element = state[action_id][action_id]
    payload = {
        "type": "block_actions",
        "user": user_ref(sender),
        "api_app_id": APP_ID,
        "team": {"id": TEAM_ID, "domain": "fake"},
        "trigger_id": stack.fake.new_trigger(user),
        "container": {"type": "view", "view_id": view.id},
        "view": body,
        "actions": [{**element, "action_id": action_id, "block_id": action_id, "action_ts": "1.2"}],
    }
    form = urlencode({"payload": json.dumps(payload)})
    answer = await stack.driver.post_signed(
        form, {"content-type": "application/x-www-form-urlencoded"}
    )
    return answer.status


def reports(fake: FakeSlack, channel: str) -> list[Message]:
    """Report parents posted in ``channel``."""
    return [
        message
        for message in fake.messages(channel)
        if REPORT_HEADER in fake.visible_text(channel, message.ts)
    ]


def first_runs(fake: FakeSlack, channel: str) -> list[Message]:
    return [
        message
        for message in fake.messages(channel)
        if "First run" in fake.visible_text(channel, message.ts)
    ]


async def wait_reports(fake: FakeSlack, channel: str, count: int) -> list[Message]:
    """Wait until ``count`` reports are posted and finished; return them."""
    found: list[Message] = await fake.wait_for(
        lambda: reports(fake, channel) if len(reports(fake, channel)) >= count else None
    )
    for message in found:
        await wait_finished(fake, channel, message.ts)
    return found


def ephemeral_texts(fake: FakeSlack, user: str) -> str:
    return "\n".join(e.text for e in fake.ephemerals(user)) + "\n".join(
        str(p.body) for p in fake.response_url_posts
    )
