"""Mentions, DMs and thread replies over signed HTTP, as Slack delivers them."""

import json
from pathlib import Path
from typing import Any

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack, payloads
from tests.bot.harness import (
    ALICE,
    BOB,
    CHANNEL,
    Stack,
    running_bot,
    thread_replies_text,
    wait_finished,
)

BOT = "U0BOT"


async def _event(stack: Stack, event: dict[str, Any], event_id: str) -> int:
    body = payloads.event_callback(event, event_id=event_id, event_time=1_700_000_000)
    answer = await stack.driver.post_signed(json.dumps(body))
    return answer.status


async def test_a_mention_starts_a_worker_in_the_thread_of_that_message(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        sent = await stack.driver.message(ALICE, CHANNEL, f"<@{BOT}> compare the two designs")
        assert len(sent.events) == 2  # app_mention and message: one worker all the same
        assert await wait_finished(fake_slack, CHANNEL, sent.ts) == "white_check_mark"
        shown = thread_replies_text(fake_slack, CHANNEL, sent.ts)
    (worker_id,) = emulator.workers
    worker = emulator.worker(worker_id)
    assert [turn.input for turn in worker.turns] == ["compare the two designs"]
    assert worker.output_text in shown


async def test_a_top_level_dm_starts_a_worker_in_its_thread(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        sent = await stack.driver.message(ALICE, "D0ALICE", "draft the changelog")
        assert await wait_finished(fake_slack, "D0ALICE", sent.ts) == "white_check_mark"
        shown = thread_replies_text(fake_slack, "D0ALICE", sent.ts)
    (worker_id,) = emulator.workers
    assert emulator.worker(worker_id).output_text in shown


async def test_a_reply_continues_the_same_worker_without_a_mention(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        first = await stack.driver.message(ALICE, CHANNEL, f"<@{BOT}> outline a plan")
        await wait_finished(fake_slack, CHANNEL, first.ts)
        reply = await stack.driver.message(BOB, CHANNEL, "now add risks", thread_ts=first.ts)
        assert await wait_finished(fake_slack, CHANNEL, reply.ts) == "white_check_mark"
        shown = thread_replies_text(fake_slack, CHANNEL, first.ts)
    (worker_id,) = emulator.workers  # the same worker, not a new one
    worker = emulator.worker(worker_id)
    assert [turn.input for turn in worker.turns] == ["outline a plan", "now add risks"]
    first_output, second_output = (item.text for item in worker.outputs)
    assert shown.count(first_output) == 1  # replayed earlier output is not shown again
    assert shown.count(second_output) == 1
    assert shown.index(first_output) < shown.index(second_output)
    # Each footer counts its own turn, not the worker's running totals.
    first_end, second_end = (turn.final for turn in worker.turns)
    assert first_end is not None and second_end is not None
    second_tokens = second_end.usage.total_tokens - first_end.usage.total_tokens
    assert f"{first_end.usage.total_tokens:,} tokens" in shown
    assert f"{second_tokens:,} tokens" in shown
    assert f"{second_end.usage.total_tokens:,} tokens" not in shown


async def test_replies_while_running_are_queued_and_sent_in_order(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        first = await stack.driver.message(ALICE, CHANNEL, f"<@{BOT}> slow deltas=20 pace=0.1")
        await fake_slack.wait_for(lambda: emulator.workers)
        second = await stack.driver.message(ALICE, CHANNEL, "and then this", thread_ts=first.ts)
        third = await stack.driver.message(BOB, CHANNEL, "and this too", thread_ts=first.ts)
        # Both replies are acknowledged as queued (their reactions may land in any order).
        await fake_slack.wait_for(
            lambda: all(
                "inbox_tray" in fake_slack.reactions(CHANNEL, reply.ts) for reply in (second, third)
            )
        )
        assert await wait_finished(fake_slack, CHANNEL, third.ts) == "white_check_mark"
    (worker_id,) = emulator.workers
    inputs = [turn.input for turn in emulator.worker(worker_id).turns]
    assert inputs == ["slow deltas=20 pace=0.1", "and then this", "and this too"]


async def test_ignored_messages_start_nothing(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        chatter = await stack.driver.message(ALICE, CHANNEL, "plain channel chatter")
        unlinked = await stack.driver.message(
            BOB, CHANNEL, "a reply in a thread nobody linked", thread_ts=chatter.ts
        )
        assert unlinked.responses and all(r.status == 200 for r in unlinked.responses)
        base = {"channel": CHANNEL, "channel_type": "channel", "team": "T0001"}
        ignored = [
            {
                **base,
                "type": "message",
                "user": BOT,
                "bot_id": "B0BOT",
                "text": "mine",
                "ts": "1700000001.000100",
            },
            {
                **base,
                "type": "message",
                "user": "U0OTHERBOT",
                "bot_id": "B0OTHER",
                "text": "another bot",
                "ts": "1700000002.000100",
            },
            {
                **base,
                "type": "message",
                "subtype": "message_changed",
                "ts": "1700000003.000100",
                "message": {"text": "edited", "user": ALICE},
            },
            {**base, "type": "message", "subtype": "message_deleted", "ts": "1700000004.000100"},
            {
                **base,
                "type": "message",
                "subtype": "channel_join",
                "user": BOB,
                "text": "joined",
                "ts": "1700000005.000100",
            },
            {
                "type": "message",
                "channel": "D0ALICE",
                "channel_type": "im",
                "user": BOT,
                "bot_id": "B0BOT",
                "text": "my own DM",
                "ts": "1700000006.000100",
            },
        ]
        for number, event in enumerate(ignored):
            assert await _event(stack, event, f"EvIgnored{number}") == 200
        await stack.deps.supervisor.drain()
    assert not emulator.workers
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_slack_retries_of_an_event_start_one_worker(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        sent = await stack.driver.message(ALICE, "D0ALICE", "only once please")
        for number in (1, 2, 3):
            answer = await stack.driver.retry(sent.events[0], number)
            assert answer.status == 200
        assert await wait_finished(fake_slack, "D0ALICE", sent.ts) == "white_check_mark"
        await stack.deps.supervisor.drain()
        replies = [m for m in fake_slack.thread("D0ALICE", sent.ts) if m.ts != sent.ts]
    assert len(emulator.workers) == 1
    assert len(replies) == 1


async def test_bad_input_in_a_mention_gets_an_ephemeral_answer(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.message(BOB, CHANNEL, f"<@{BOT}> --budget unlimited go")
        await stack.driver.message(BOB, CHANNEL, f"<@{BOT}>")
        notes = await fake_slack.wait_for(
            lambda: (lambda e: e if len(e) == 2 else None)(fake_slack.ephemerals(BOB))
        )
    assert "UNLIMITED_BUDGET_USERS" in notes[0].text
    assert "empty" in notes[1].text
    assert not emulator.workers
