"""The whole bot on localhost: the real app over HTTP, the fake Slack, the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.deps import Deps, open_deps
from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack, SlackDriver
from bot.server import serving
from bot.settings import Settings

CHANNEL = "C0GENERAL"
ALICE = "U0ALICE"
BOB = "U0BOB"


@dataclass
class Stack:
    fake: FakeSlack
    emulator: Emulator
    deps: Deps
    driver: SlackDriver
    bot_url: str
    settings: Settings


def settings_for(
    fake: FakeSlack, emulator: Emulator, database_url: str, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": fake.bot_token,
        "slack_signing_secret": fake.signing_secret,
        "slack_api_url": f"{fake.url}/api/",
        "workers_api_url": emulator.url,
        "workers_api_key": emulator.api_key,
        "database_url": database_url,
        "unlimited_budget_users": frozenset({ALICE}),
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bot(
    fake: FakeSlack,
    emulator: Emulator,
    tmp_path: Path | None = None,
    *,
    database_url: str | None = None,
    schema: str | None = None,
    schedule_poll_seconds: float | None = None,
    native: bool = True,
    budget_scale: float = 1.0,
    **overrides: object,
) -> AsyncIterator[Stack]:
    """The real bot over HTTP on 127.0.0.1: SQLite in ``tmp_path`` unless a
    ``database_url`` (and PostgreSQL ``schema``) is given."""
    if database_url is None:
        assert tmp_path is not None, "give tmp_path or database_url"
        database_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    settings = settings_for(fake, emulator, database_url, **overrides)
    options: dict[str, float] = {}
    if schedule_poll_seconds is not None:
        options["schedule_poll_seconds"] = schedule_poll_seconds
    async with (
        open_deps(
            settings,
            native_streaming=native,
            budget_scale=budget_scale,
            schema=schema,
            **options,
        ) as deps,
        serving(settings, deps, host="127.0.0.1", port=0) as (_, port),
    ):
        url = f"http://127.0.0.1:{port}"
        yield Stack(
            fake=fake,
            emulator=emulator,
            deps=deps,
            driver=SlackDriver(fake, url, fake.signing_secret),
            bot_url=url,
            settings=settings,
        )


def thread_replies_text(fake: FakeSlack, channel: str, thread_ts: str) -> str:
    """Everything a user sees in the thread's replies, in order."""
    return "\n".join(
        fake.visible_text(channel, message.ts)
        for message in fake.thread(channel, thread_ts)
        if message.ts != thread_ts
    )


async def wait_finished(fake: FakeSlack, channel: str, ts: str, *, within: float = 30) -> str:
    """Wait for the done (or failed) reaction on the triggering message; return which."""

    def outcome() -> str | None:
        reactions = fake.reactions(channel, ts)
        for name in ("white_check_mark", "x"):
            if name in reactions:
                return name
        return None

    result: str = await fake.wait_for(outcome, timeout=within)
    return result
