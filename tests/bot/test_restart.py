"""kill -9 in the middle of a turn: the next process finishes the thread, exactly once."""

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack, SlackDriver
from tests.bot.harness import ALICE, CHANNEL, thread_replies_text, wait_finished


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def bot_process(
    fake: FakeSlack, emulator: Emulator, database: Path, port: int, *, lease: float = 2
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": fake.signing_secret,
        "SLACK_API_URL": f"{fake.url}/api/",
        "WORKERS_API_URL": emulator.url,
        "WORKERS_API_KEY": str(emulator.api_key),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LEASE_SECONDS": str(lease),
        "LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=database.parent,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the bot process did not come up")
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)


async def test_kill_9_mid_turn_then_restart_finishes_the_thread_once(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    database, port = tmp_path / "bot.db", _free_port()
    driver = SlackDriver(fake_slack, f"http://127.0.0.1:{port}", fake_slack.signing_secret)
    async with bot_process(fake_slack, emulator, database, port) as first:
        await driver.slash_command(ALICE, CHANNEL, "long one chars=25000 deltas=60 pace=0.08")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        await fake_slack.wait_for(
            lambda: len(thread_replies_text(fake_slack, CHANNEL, parent.ts)) > 2000
        )
        first.kill()  # SIGKILL: no cleanup, the lease stays until it expires
        await first.wait()
    (worker_id,) = emulator.workers
    assert emulator.worker(worker_id).running  # killed mid-turn, the worker went on

    async with bot_process(fake_slack, emulator, database, port):
        assert await wait_finished(fake_slack, CHANNEL, parent.ts, within=60) == (
            "white_check_mark"
        )
    output = emulator.worker(worker_id).output_text
    shown = thread_replies_text(fake_slack, CHANNEL, parent.ts)
    for line in output.splitlines():
        assert line in shown
    replies = [m for m in fake_slack.thread(CHANNEL, parent.ts) if m.ts != parent.ts]
    assert len(replies) == 3  # 25,000 characters in three messages: none posted twice
    posted = [c for c in fake_slack.calls if c.method in ("chat.postMessage", "chat.startStream")]
    assert len(posted) == 1 + len(replies)  # the parent, then one call per reply message


async def test_sigterm_hands_the_running_turn_over_at_once(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    # A lease of 120 s: the second process can only finish the turn within the test's
    # time if the first one released the lease when it was told to stop.
    database, port = tmp_path / "bot.db", _free_port()
    driver = SlackDriver(fake_slack, f"http://127.0.0.1:{port}", fake_slack.signing_secret)
    async with bot_process(fake_slack, emulator, database, port, lease=120) as first:
        await driver.slash_command(ALICE, CHANNEL, "steady one deltas=40 pace=0.1")
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        await fake_slack.wait_for(lambda: thread_replies_text(fake_slack, CHANNEL, parent.ts))
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), 20) == 0
    (worker_id,) = emulator.workers

    async with bot_process(fake_slack, emulator, database, port, lease=120):
        assert await wait_finished(fake_slack, CHANNEL, parent.ts, within=30) == (
            "white_check_mark"
        )
    output = emulator.worker(worker_id).output_text
    assert thread_replies_text(fake_slack, CHANNEL, parent.ts).count(output) == 1
