"""``slack-workers dev``: the whole system on this machine, no account anywhere.

Starts the Workers API emulator, the fake Slack (the local sandbox) and the bot in its
production HTTP mode with an embedded SQLite database, all on 127.0.0.1, wires them
together, prints the URLs and runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from pydantic import SecretStr

from bot.deps import open_deps
from bot.devkit.emulator.server import running_emulator
from bot.devkit.slack import running_fake_slack
from bot.server import serving
from bot.settings import Settings

DEV_API_KEY = "dev-key"


async def run_dev(settings: Settings, *, sandbox_port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with (
        running_emulator(api_key=DEV_API_KEY) as emulator,
        running_fake_slack(port=sandbox_port) as fake,
    ):
        dev_settings = settings.model_copy(
            update={
                "slack_bot_token": SecretStr(fake.bot_token),
                "slack_signing_secret": SecretStr(fake.signing_secret),
                "slack_app_token": None,
                "slack_api_url": f"{fake.url}/api/",
                "workers_api_url": emulator.url,
                "workers_api_key": SecretStr(DEV_API_KEY),
            }
        )
        async with (
            open_deps(dev_settings) as deps,
            serving(dev_settings, deps, host="127.0.0.1", port=0) as (_, bot_port),
        ):
            print(
                f"slack-workers dev is running\n"
                f"  sandbox (local Slack):  {fake.url}/\n"
                f"  bot:                    http://127.0.0.1:{bot_port}/slack/events\n"
                f"  Workers API emulator:   {emulator.url}\n"
                f"  database:               {dev_settings.database_url}\n"
                "Press Ctrl-C to stop.",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
