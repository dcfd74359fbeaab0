"""The schedule modal end to end: open, kind change with preview, every invalid field,
create (new worker and from a finished turn), confirmation and the first run's report."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from bot.limits import MODAL_TASK_CHARS
from tests.bot.harness import ALICE, BOB, CHANNEL, thread_replies_text, wait_finished
from tests.schedules_e2e.support import (
    block_ids,
    bot_stack,
    first_runs,
    modal_action,
    open_modal,
    preview_text,
)


def sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/bot.db"


async def test_command_opens_the_modal_in_the_users_zone_and_kind_change_updates_it(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        answer = await stack.driver.slash_command(BOB, CHANNEL, "schedule check the build")
        assert answer.status == 200
        modal = await open_modal(fake_slack, BOB)
        assert modal.definition["callback_id"] == "schedule_create"
        assert block_ids(modal)[:5] == ["task", "kind", "cron", "budget", "channel"]
        # users.info came after views.open, then views.update shows Bob's zone
        methods = [call.method for call in fake_slack.calls]
        assert methods.index("views.open") < methods.index("users.info")
        await fake_slack.wait_for(lambda: "America/New_York" in preview_text(modal))
        assert "UTC" in preview_text(modal)  # which zone cron runs in is said
        task_block = modal.definition["blocks"][0]
        assert task_block["element"]["initial_value"] == "check the build"

        status = await modal_action(stack, BOB, modal, "kind", {"kind": "interval"})
        assert status == 200
        await fake_slack.wait_for(lambda: "every" in block_ids(modal))
        assert "cron" not in block_ids(modal)
        status = await modal_action(stack, BOB, modal, "every", {"every": "2h"})
        await fake_slack.wait_for(lambda: "Next runs" in preview_text(modal))
        assert preview_text(modal).count(",") >= 4  # five runs listed
        assert "EST" in preview_text(modal) or "EDT" in preview_text(modal)

        await modal_action(stack, BOB, modal, "kind", {"kind": "cron", "cron": "0 9 * * 1-5"})
        await fake_slack.wait_for(lambda: "cron" in block_ids(modal))


def _future(seconds: int) -> int:
    return int(time.time()) + seconds


@pytest.mark.parametrize(
    ("values", "block", "says"),
    [
        ({"kind": "cron", "cron": "61 * * * *"}, "cron", "not valid"),
        ({"kind": "cron", "cron": "every monday"}, "cron", "five fields"),
        ({"kind": "cron", "cron": "* * * * *"}, "cron", "more often"),
        ({"kind": "interval", "every": "soon"}, "every", "duration"),
        ({"kind": "interval", "every": "2m"}, "every", "5 minutes"),
        ({"kind": "delayed", "every": "1x"}, "every", "duration"),
        ({"kind": "scheduled", "at": _future(-3600)}, "at", "past"),
        ({"kind": "interval", "every": "1h", "task": "   "}, "task", "Describe"),
        (
            {"kind": "interval", "every": "1h", "task": "x" * (MODAL_TASK_CHARS + 1)},
            "task",
            "limit",
        ),
        ({"kind": "interval", "every": "1h", "channel": "C0RANDOM"}, "channel", "/invite"),
    ],
)
async def test_every_invalid_field_is_an_error_on_its_block_and_creates_nothing(
    fake_slack: FakeSlack,
    emulator: Emulator,
    tmp_path: Path,
    values: dict[str, object],
    block: str,
    says: str,
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "schedule tidy up")
        modal = await open_modal(fake_slack, ALICE)
        kind = str(values["kind"])
        if kind != "cron":
            await modal_action(stack, ALICE, modal, "kind", {"kind": kind})
            await fake_slack.wait_for(lambda: "cron" not in block_ids(modal))
        submitted = {k: v for k, v in values.items() if k in block_ids(modal)}
        answer = await stack.driver.view_submission(ALICE, modal.id, submitted)
        body = answer.json()
        assert body["response_action"] == "errors"
        assert list(body["errors"]) == [block]
        assert says in body["errors"][block]
        assert not modal.closed
    assert not emulator.workers
    assert not emulator.schedules


async def test_submit_creates_a_new_worker_schedules_it_and_posts_its_first_run(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        await stack.driver.slash_command(BOB, CHANNEL, "schedule weekly digest")
        modal = await open_modal(fake_slack, BOB)
        answer = await stack.driver.view_submission(
            BOB, modal.id, {"cron": "0 9 * * 1-5", "budget": "low"}
        )
        assert answer.status == 200 and answer.body == ""
        assert modal.closed
        (schedule,) = await fake_slack.wait_for(lambda: list(emulator.schedules.values()))
        assert schedule.cron == "0 9 * * 1-5" and schedule.budget == "low"
        assert schedule.input == "weekly digest"
        confirmation = await fake_slack.wait_for(lambda: fake_slack.ephemerals(BOB))
        assert "Scheduled" in confirmation[-1].text and "Next run" in confirmation[-1].text
        (first,) = await fake_slack.wait_for(lambda: first_runs(fake_slack, CHANNEL))
        assert await wait_finished(fake_slack, CHANNEL, first.ts) == "white_check_mark"
        worker = emulator.worker(schedule.worker_id)
        shown = thread_replies_text(fake_slack, CHANNEL, first.ts)
        assert worker.output_text in shown
        stored = await stack.deps.schedules.get(schedule.id)
        assert stored is not None and stored.creator_id == BOB and stored.state == "active"
        assert stored.time_zone == "America/New_York"


async def test_schedule_button_under_a_turn_schedules_that_worker_with_its_task(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, sqlite(tmp_path)) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "count the open issues")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        await wait_finished(fake_slack, CHANNEL, parent.ts)
        footer = next(
            m
            for m in fake_slack.thread(CHANNEL, parent.ts)
            if any(b.get("type") == "actions" for b in m.blocks)
        )
        await stack.driver.block_action(ALICE, CHANNEL, footer.ts, "open_schedule")
        modal = await open_modal(fake_slack, ALICE)
        assert modal.definition["blocks"][0]["element"]["initial_value"] == "count the open issues"
        await modal_action(stack, ALICE, modal, "kind", {"kind": "interval"})
        await fake_slack.wait_for(lambda: "every" in block_ids(modal))
        answer = await stack.driver.view_submission(ALICE, modal.id, {"every": "1h30m"})
        assert answer.status == 200 and modal.closed
        (schedule,) = await fake_slack.wait_for(lambda: list(emulator.schedules.values()))
        (worker_id,) = emulator.workers  # no new worker
        assert schedule.worker_id == worker_id and schedule.interval_seconds == 5400
        await fake_slack.wait_for(lambda: fake_slack.ephemerals(ALICE))
    assert not first_runs(fake_slack, CHANNEL)
