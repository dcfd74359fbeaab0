"""``/worker schedules``, the Cancel button (who may), the Home tab, and reconciling
with the Workers API (a schedule cancelled there disappears)."""

from __future__ import annotations

from pathlib import Path

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from bot.devkit.slack.state import TEAM_ID
from bot.schedules.service import NewSchedule
from bot.workers.models import CronWhen
from tests.bot.harness import ALICE, BOB, CHANNEL, Stack
from tests.schedules_e2e.support import bot_stack

CAROL = "U0CAROL"


async def _schedule(stack: Stack, task: str = "nightly report") -> str:
    worker = await stack.deps.workers.create("set up", budget="low")
    created = await stack.deps.schedules.create(
        NewSchedule(
            team_id=TEAM_ID,
            channel_id=CHANNEL,
            creator_id=BOB,
            task=task,
            budget="low",
            when=CronWhen(cron="0 2 * * *"),
            worker_id=worker.id,
        )
    )
    return created.schedule.id


async def _list(stack: Stack, user: str) -> tuple[str, str]:
    """Run ``/worker schedules``; (the listing's text, its ephemeral ts)."""
    before = len(stack.fake.ephemerals(user))
    await stack.driver.slash_command(user, CHANNEL, "schedules")
    listed = await stack.fake.wait_for(lambda: stack.fake.ephemerals(user)[before:] or None)
    ephemeral = listed[-1]
    return stack.fake.visible_text(CHANNEL, ephemeral.ts) or str(ephemeral.blocks), ephemeral.ts


async def _cancel(stack: Stack, user: str, listing_ts: str, owner: str) -> str:
    before = len(stack.fake.ephemerals(user))
    await stack.driver.block_action(user, CHANNEL, listing_ts, "cancel_schedule_0")
    answers = await stack.fake.wait_for(lambda: stack.fake.ephemerals(user)[before:] or None)
    return str(answers[-1].text)


async def test_list_shows_the_channels_schedules_and_only_creator_or_admin_cancels(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, f"sqlite+aiosqlite:///{tmp_path}/b.db") as stack:
        schedule_id = await _schedule(stack)
        await _list(stack, CAROL)
        listing = fake_slack.ephemerals(CAROL)[-1]
        text = str(listing.blocks)
        assert "nightly report" in text and f"<@{BOB}>" in text and "budget low" in text
        assert "02:00 UTC" in text  # the spec in words
        assert "JST" in text  # next run in Carol's zone (Asia/Tokyo)
        assert "cancel_schedule" in text

        refused = await _cancel(stack, CAROL, listing.ts, CAROL)
        assert "Only the person who created" in refused
        assert schedule_id in emulator.schedules

        await _list(stack, ALICE)  # Alice is a workspace admin and owner
        cancelled = await _cancel(stack, ALICE, fake_slack.ephemerals(ALICE)[-1].ts, ALICE)
        assert cancelled.startswith("Cancelled")
        assert schedule_id not in emulator.schedules
        stored = await stack.deps.schedules.get(schedule_id)
        assert stored is not None and stored.state == "cancelled"

        again = await _cancel(stack, CAROL, listing.ts, CAROL)  # an old list's button
        assert "already" in again
        await _list(stack, BOB)
        assert "No schedules yet" in str(fake_slack.ephemerals(BOB)[-1].blocks)


async def test_the_creator_cancels_and_unknown_schedules_get_a_polite_answer(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, f"sqlite+aiosqlite:///{tmp_path}/b.db") as stack:
        schedule_id = await _schedule(stack)
        _, ts = await _list(stack, BOB)
        assert (await _cancel(stack, BOB, ts, BOB)).startswith("Cancelled")
        assert schedule_id not in emulator.schedules
        outcome = await stack.deps.schedules.cancel(
            team_id=TEAM_ID, schedule_id="sch_nope", user_id=BOB, is_admin=False
        )
        assert outcome == "unknown"


async def test_a_schedule_cancelled_on_the_api_disappears_from_lists_and_home(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with bot_stack(fake_slack, emulator, f"sqlite+aiosqlite:///{tmp_path}/b.db") as stack:
        kept = await _schedule(stack, "kept schedule")
        gone = await _schedule(stack, "doomed schedule")
        await stack.driver.app_home_opened(BOB)
        home = await fake_slack.wait_for(lambda: fake_slack.home(BOB))
        assert "kept schedule" in str(home.definition) and "doomed schedule" in str(home.definition)

        stored = await stack.deps.schedules.get(gone)
        assert stored is not None
        assert await stack.deps.workers.cancel_schedule(stored.worker_id, gone)

        await _list(stack, BOB)
        text = str(fake_slack.ephemerals(BOB)[-1].blocks)
        assert "kept schedule" in text and "doomed schedule" not in text
        stored = await stack.deps.schedules.get(gone)
        assert stored is not None and stored.state == "cancelled"
        still = await stack.deps.schedules.get(kept)
        assert still is not None and still.state == "active"

        await stack.driver.app_home_opened(BOB)
        await fake_slack.wait_for(lambda: "doomed" not in str(fake_slack.home(BOB).definition))
