"""``/worker`` over signed HTTP against the fake Slack and the emulator."""

from pathlib import Path

import pytest

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from bot.limits import MAX_TASK_CHARS
from tests.bot.harness import (
    ALICE,
    BOB,
    CHANNEL,
    running_bot,
    thread_replies_text,
    wait_finished,
)


async def test_run_posts_parent_and_streams_the_whole_output_into_its_thread(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(ALICE, CHANNEL, "summarise the release notes")
        assert answer.status == 200
        assert answer.body == ""  # acknowledged at once, nothing said in the ack
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        assert fake_slack.visible_text(CHANNEL, parent.ts).startswith(f"<@{ALICE}>")
        assert await wait_finished(fake_slack, CHANNEL, parent.ts) == "white_check_mark"

        (worker_id,) = emulator.workers
        output = emulator.worker(worker_id).output_text
        shown = thread_replies_text(fake_slack, CHANNEL, parent.ts)
        assert output in shown  # the whole output, as Markdown, not hand-converted
        assert shown.count(output) == 1
        assert "Completed" in shown or "completed" in shown
        buttons = [
            element["action_id"]
            for message in fake_slack.thread(CHANNEL, parent.ts)
            for block in message.blocks
            if block.get("type") == "actions"
            for element in block["elements"]
        ]
        assert buttons == ["open_schedule", "email_address"]
        assert "hourglass_flowing_sand" not in fake_slack.reactions(CHANNEL, parent.ts)


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
async def test_help_is_an_ephemeral_usage(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path, text: str
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(ALICE, CHANNEL, text)
        body = answer.json()
        assert body["response_type"] == "ephemeral"
        assert "/worker" in body["text"] and "--budget" in body["text"]
    assert not emulator.workers
    assert not fake_slack.messages(CHANNEL)


@pytest.mark.parametrize(
    ("user", "text", "says"),
    [
        (ALICE, "--budget huge do it", "Unknown budget"),
        (ALICE, "--budget", "needs a value"),
        (BOB, "--budget unlimited dig forever", "UNLIMITED_BUDGET_USERS"),
        (ALICE, "x" * (MAX_TASK_CHARS + 1), f"{MAX_TASK_CHARS:,}"),
        (ALICE, "--budget high   ", "empty"),
    ],
)
async def test_bad_input_is_refused_in_the_ack_and_starts_nothing(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path, user: str, text: str, says: str
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(user, CHANNEL, text)
        body = answer.json()
        assert body["response_type"] == "ephemeral"
        assert says in body["text"]
    assert not emulator.workers
    assert not fake_slack.messages(CHANNEL)


async def test_unlimited_budget_is_allowed_for_listed_users(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "--budget unlimited dig deep")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        await wait_finished(fake_slack, CHANNEL, parent.ts)
    (worker_id,) = emulator.workers
    assert emulator.worker(worker_id).budget == "unlimited"


async def test_channel_without_the_bot_gets_an_invitation_hint(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(ALICE, "C0RANDOM", "do something")
        assert answer.status == 200
        posts = await fake_slack.wait_for(lambda: fake_slack.response_url_posts)
    assert "/invite" in str(posts[-1])
    assert not emulator.workers


async def test_status_lists_the_users_recent_workers(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "first task")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        await wait_finished(fake_slack, CHANNEL, parent.ts)
        await stack.driver.slash_command(ALICE, CHANNEL, "status")
        posts = await fake_slack.wait_for(lambda: fake_slack.response_url_posts)
    listing = str(posts[-1])
    assert "first task" in listing
    assert "permalink" in listing or "http" in listing
