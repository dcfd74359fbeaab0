"""The relay end to end: long output, live text, faults on both sides."""

from collections import Counter
from pathlib import Path

import pytest

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack, running_fake_slack
from tests.bot.harness import ALICE, CHANNEL, running_bot, thread_replies_text, wait_finished


async def _run(
    fake: FakeSlack,
    emulator: Emulator,
    tmp_path: Path,
    task: str,
    *,
    native: bool = True,
    within: float = 30,
) -> tuple[str, str, str]:
    """Run ``task`` by slash command; return (parent ts, outcome reaction, worker output)."""
    async with running_bot(fake, emulator, tmp_path, native=native) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, task)
        parent = await fake.wait_for(lambda: next(iter(fake.messages(CHANNEL)), None))
        outcome = await wait_finished(fake, CHANNEL, parent.ts, within=within)
    (worker_id,) = emulator.workers
    return parent.ts, outcome, emulator.worker(worker_id).output_text


def _assert_lines_in_order(output: str, shown: str) -> None:
    """Every line of the output is shown, in order (splitting may add fence lines)."""
    position = 0
    for line in output.splitlines():
        found = shown.find(line, position)
        assert found >= 0, f"missing or out of order: {line[:80]!r}"
        position = found + len(line)


def _methods(fake: FakeSlack) -> Counter[str]:
    return Counter(call.method for call in fake.calls)


@pytest.mark.parametrize("native", [True, False], ids=["native-stream", "edited-message"])
async def test_60000_characters_of_markdown_arrive_whole_in_several_messages(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path, native: bool
) -> None:
    parent, outcome, output = await _run(
        fake_slack, emulator, tmp_path, "long report chars=60000 deltas=120", native=native
    )
    assert outcome == "white_check_mark"
    assert len(output) == 60000
    replies = [m for m in fake_slack.thread(CHANNEL, parent) if m.ts != parent]
    assert len(replies) >= 6  # nothing cut: continued in further messages
    _assert_lines_in_order(output, thread_replies_text(fake_slack, CHANNEL, parent))
    methods = _methods(fake_slack)
    if native:
        # Streams while the Tier 2 stream budget lasts, edited messages after that.
        assert methods["chat.startStream"] >= 1
        assert methods["chat.startStream"] + methods["chat.postMessage"] == len(replies) + 1
    else:
        assert methods["chat.startStream"] == 0
        assert methods["chat.postMessage"] == len(replies) + 1  # + the parent
    assert fake_slack.rate_limited_count == 0


async def test_text_is_visible_while_the_worker_still_runs(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "slow one deltas=40 pace=0.1")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))

        def partial_while_running() -> bool:
            if not emulator.workers:
                return False
            (worker_id,) = emulator.workers
            shown = thread_replies_text(fake_slack, CHANNEL, parent.ts)
            return emulator.worker(worker_id).running and "slow one" in shown

        assert await fake_slack.wait_for(partial_while_running, timeout=10)
        assert await wait_finished(fake_slack, CHANNEL, parent.ts) == "white_check_mark"


async def test_a_dropped_stream_loses_nothing(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.drop_next_streams(after=3, count=3)
    parent, outcome, output = await _run(
        fake_slack, emulator, tmp_path, "fragile deltas=30 pace=0.02"
    )
    assert outcome == "white_check_mark"
    shown = thread_replies_text(fake_slack, CHANNEL, parent)
    assert shown.count(output) == 1
    streams = [path for method, path in emulator.request_log if path.endswith("/stream")]
    assert len(streams) >= 2  # it reconnected


async def test_workers_api_unavailable_on_create_is_said_in_the_thread(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.fail_next(1, status=503, paths=["/api/workers"])
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "anything")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        assert await wait_finished(fake_slack, CHANNEL, parent.ts) == "x"
        shown = thread_replies_text(fake_slack, CHANNEL, parent.ts)
    assert "unavailable" in shown.lower()
    assert "Traceback" not in shown
    posts = [m for m, p in emulator.request_log if m == "POST" and p == "/api/workers"]
    assert len(posts) == 1  # a POST that got a 5xx is never retried blindly
    assert not emulator.workers


async def test_workers_api_429_on_create_is_retried_and_succeeds(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.fail_next(1, status=429, retry_after=1, paths=["/api/workers"])
    _, outcome, _ = await _run(fake_slack, emulator, tmp_path, "patient")
    assert outcome == "white_check_mark"
    assert len(emulator.workers) == 1


async def test_a_failed_run_keeps_its_partial_text_and_says_it_failed(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        await stack.driver.slash_command(ALICE, CHANNEL, "this will fail deltas=12")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        assert await wait_finished(fake_slack, CHANNEL, parent.ts) == "x"
        shown = thread_replies_text(fake_slack, CHANNEL, parent.ts)
    assert "Failed" in shown or "failed" in shown


async def test_files_are_uploaded_into_the_thread(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    _, outcome, _ = await _run(fake_slack, emulator, tmp_path, "make a file please")
    assert outcome == "white_check_mark"
    uploaded = [f for f in fake_slack.files if f.completed]
    assert [f.name for f in uploaded] == ["report.csv"]
    assert uploaded[0].content and b"," in uploaded[0].content
    assert CHANNEL in uploaded[0].channels


async def test_native_stream_that_slack_ends_continues_by_editing(
    emulator: Emulator, tmp_path: Path
) -> None:
    async with running_fake_slack(stream_max_age=0.5) as fake:
        parent, outcome, output = await _run(
            fake, emulator, tmp_path, "long haul deltas=30 pace=0.05"
        )
        assert outcome == "white_check_mark"
        assert thread_replies_text(fake, CHANNEL, parent).count(output) == 1
        errors = [
            c for c in fake.calls if c.response.get("error") == "message_not_in_streaming_state"
        ]
        assert errors, "the stream should have expired during the run"
        assert _methods(fake)["chat.update"] >= 1


async def test_a_slack_429_storm_delays_but_loses_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The bot's budget is set 100 times above Slack's limits, so it overshoots and the
    # fake Slack answers 429 with Retry-After again and again (its windows are 10 times
    # shorter than a minute, so the test waits seconds, not minutes).
    async with (
        running_fake_slack(rate_scale=10) as fake,
        running_bot(fake, emulator, tmp_path, native=False, budget_scale=100) as stack,
    ):
        tasks = [f"storm {n} deltas=100 pace=0.01" for n in range(3)]
        for task in tasks:
            await stack.driver.slash_command(ALICE, CHANNEL, task)
        parents = await fake.wait_for(
            lambda: (lambda top: top if len(top) == 3 else None)(fake.messages(CHANNEL))
        )
        for parent in parents:
            assert await wait_finished(fake, CHANNEL, parent.ts, within=120) == "white_check_mark"
        assert fake.rate_limited_count > 0
        for parent in parents:
            worker_id = next(
                w
                for w in emulator.workers
                if emulator.worker(w).turns[0].input in fake.visible_text(CHANNEL, parent.ts)
            )
            output = emulator.worker(worker_id).output_text
            assert thread_replies_text(fake, CHANNEL, parent.ts).count(output) == 1
            replies = [m for m in fake.thread(CHANNEL, parent.ts) if m.ts != parent.ts]
            assert len(replies) == 1  # nothing posted twice
