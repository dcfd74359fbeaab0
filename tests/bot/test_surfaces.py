"""Buttons, App Home, and the HTTP surface (signatures, health, readiness, metrics)."""

import json
from pathlib import Path

import aiohttp

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from tests.bot.harness import ALICE, CHANNEL, running_bot, wait_finished


async def test_email_button_answers_with_the_workers_address(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        sent = await stack.driver.message(ALICE, "D0ALICE", "collect the invoices")
        await wait_finished(fake_slack, "D0ALICE", sent.ts)
        footer = fake_slack.thread("D0ALICE", sent.ts)[-1]
        answer = await stack.driver.block_action(ALICE, "D0ALICE", footer.ts, "email_address")
        assert answer.status == 200
        posts = await fake_slack.wait_for(lambda: fake_slack.response_url_posts)
    (worker_id,) = emulator.workers
    body = str(posts[-1])
    assert "@" in body and worker_id.lower() in body.lower()


async def test_app_home_lists_recent_workers(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        sent = await stack.driver.message(ALICE, "D0ALICE", "map the dependencies")
        await wait_finished(fake_slack, "D0ALICE", sent.ts)
        await stack.driver.app_home_opened(ALICE)
        home = await fake_slack.wait_for(lambda: fake_slack.home(ALICE))
    assert "map the dependencies" in json.dumps(home.as_api())


async def test_requests_with_bad_or_stale_signatures_are_refused(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        body = json.dumps({"type": "event_callback", "event_id": "EvX", "event": {}})
        assert (await stack.driver.post_signed(body, bad_signature=True)).status == 401
        assert (await stack.driver.post_signed(body, stale=True)).status == 401
    assert not emulator.workers


async def test_health_readiness_and_metrics(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with (
        running_bot(fake_slack, emulator, tmp_path) as stack,
        aiohttp.ClientSession(stack.bot_url) as http,
    ):
        async with http.get("/healthz") as response:
            assert response.status == 200
        async with http.get("/readyz") as response:
            assert response.status == 200
            assert (await response.json())["ok"] is True
        emulator.faults.fail_next(10, status=503)
        async with http.get("/readyz") as response:
            assert response.status == 503
            assert "workers_api" in (await response.json())["problems"]
        emulator.faults.reset()
        async with http.get("/metrics") as response:
            assert "slack_workers_running_turns 0" in await response.text()


async def test_slash_command_is_acknowledged_before_the_work(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.latency = 2.0  # a slow Workers API must not delay Slack's ack
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(ALICE, CHANNEL, "take your time")
        assert answer.status == 200
        assert not emulator.workers  # the API call had not even been answered yet
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        assert await wait_finished(fake_slack, CHANNEL, parent.ts, within=60) == "white_check_mark"


async def test_old_event_ids_are_forgotten_after_slacks_retry_window(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    from datetime import timedelta

    from storage.repositories import events

    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        now = stack.deps.clock.now()
        async with stack.deps.db.transaction() as session:
            assert not await events.seen(session, event_id="EvOld", now=now - timedelta(hours=2))
            assert not await events.seen(session, event_id="EvNew", now=now)
        await stack.deps.supervisor._prune_events()
        async with stack.deps.db.transaction() as session:
            assert not await events.seen(session, event_id="EvOld", now=now)  # forgotten
            assert await events.seen(session, event_id="EvNew", now=now)  # still known
