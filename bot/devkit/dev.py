"""``slack-workers dev``: the whole system on this machine, no account anywhere.

Starts the Workers API emulator, the fake Slack with the local sandbox page on it, and
the bot in its production HTTP mode on a fresh embedded SQLite database, all on
127.0.0.1; wires them together, prints the sandbox URL and runs until Ctrl-C (or
SIGTERM), then stops the bot first (its turns release their leases) and the fakes last.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import HttpUrl, SecretStr

from bot.deps import Deps, open_deps
from bot.devkit.emulator.server import Emulator, running_emulator
from bot.devkit.sandbox import Sandbox
from bot.devkit.slack import FakeSlack, running_fake_slack
from bot.server import serving
from bot.settings import Settings

DEV_API_KEY = "dev-key"
DEV_PACE = 0.05  # seconds between the emulator's deltas: slow enough to watch it stream


@dataclass
class DevStack:
    """What ``running_dev_stack`` started; ``sandbox_url`` is the page to open."""

    fake: FakeSlack
    emulator: Emulator
    sandbox: Sandbox
    deps: Deps
    settings: Settings
    bot_url: str

    @property
    def sandbox_url(self) -> str:
        return f"{self.fake.url}/"


def dev_settings(settings: Settings, fake: FakeSlack, emulator: Emulator, db: str) -> Settings:
    """``settings`` pointed at the local fakes: no real Slack, Workers API or database."""
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(fake.bot_token),
            "slack_signing_secret": SecretStr(fake.signing_secret),
            "slack_app_token": None,  # the sandbox speaks HTTP, as Slack does in production
            "slack_client_id": None,
            "slack_client_secret": None,
            "slack_api_url": HttpUrl(f"{fake.url}/api/"),
            "workers_api_url": HttpUrl(emulator.url),
            "workers_api_key": SecretStr(DEV_API_KEY),
            "database_url": db,
        }
    )


@contextlib.asynccontextmanager
async def running_dev_stack(
    settings: Settings,
    *,
    sandbox_port: int = 0,
    database_url: str,
    pace: float = DEV_PACE,
) -> AsyncIterator[DevStack]:
    """Emulator, fake Slack + sandbox, then the bot over HTTP; stopped in reverse order."""
    sandbox = Sandbox(command=settings.slack_command)
    async with (
        running_emulator(api_key=DEV_API_KEY, pace=pace) as emulator,
        running_fake_slack(port=sandbox_port, extend=sandbox.install) as fake,
    ):
        wired = dev_settings(settings, fake, emulator, database_url)
        async with (
            open_deps(wired) as deps,
            serving(wired, deps, host="127.0.0.1", port=0) as (_, bot_port),
        ):
            bot_url = f"http://127.0.0.1:{bot_port}"
            sandbox.connect(bot_url)
            yield DevStack(fake, emulator, sandbox, deps, wired, bot_url)


async def run_dev(settings: Settings, *, sandbox_port: int) -> None:
    """Runs the dev stack on a throw-away database until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    # a fresh database each run: the emulator and the fake Slack forget everything at exit,
    # so turns and threads kept from an earlier run would point at nothing
    with tempfile.TemporaryDirectory(prefix="slack-workers-dev-") as tmp:
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'dev.db'}"
        async with running_dev_stack(
            settings, sandbox_port=sandbox_port, database_url=database_url
        ) as stack:
            print(
                "slack-workers dev is running\n"
                f"  sandbox (local Slack):  {stack.sandbox_url}   <- open this\n"
                f"  bot:                    {stack.bot_url}/slack/events\n"
                f"  Workers API emulator:   {stack.emulator.url}\n"
                f"  database:               {database_url} (fresh each run)\n"
                "Press Ctrl-C to stop.",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
            print("slack-workers dev: stopping", file=sys.stderr, flush=True)
    print("slack-workers dev: stopped", file=sys.stderr, flush=True)
