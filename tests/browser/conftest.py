"""Fixtures for the sandbox and browser tests.

``dev_stack``     everything ``slack-workers dev`` starts (emulator, fake Slack with the
                  sandbox, the bot over HTTP on SQLite in ``tmp_path``), on random ports.
``scripted_bot``  the sandbox alone, wired to a tiny scripted "bot" on 127.0.0.1 that
                  records what the sandbox delivers and answers as a test tells it.
``browser``       headless Debian Chromium driven by Playwright. Missing Chromium (or the
                  playwright package) skips the test with the reason, unless
                  ``REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then the test fails.
``page``          a fresh page in its own browser context; a JavaScript error on the
                  page fails the test.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.devkit.dev import DevStack, running_dev_stack
from bot.devkit.sandbox import Sandbox
from bot.devkit.slack import FakeSlack, running_fake_slack
from bot.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TEST_PACE = 0.01  # the emulator's seconds between deltas; tasks slow it with pace=S


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
async def dev_stack(tmp_path: Path) -> AsyncIterator[DevStack]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    async with running_dev_stack(
        settings, database_url=f"sqlite+aiosqlite:///{tmp_path}/dev.db", pace=TEST_PACE
    ) as stack:
        yield stack


@dataclass
class ScriptedBot:
    """Stands in for the bot: records every delivery, answers with ``reply(kind, body)``."""

    fake: FakeSlack
    sandbox: Sandbox
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bad_signatures: int = 0
    reply: Callable[[str, dict[str, Any]], tuple[int, Any]] = lambda kind, body: (200, None)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [body for got, body in self.received if got == kind]


async def _decode(request: web.Request) -> tuple[str, dict[str, Any]]:
    raw = await request.text()
    if request.content_type == "application/json":
        return "event", json.loads(raw)
    form = {key: values[0] for key, values in parse_qs(raw).items()}
    if "payload" in form:
        payload = json.loads(form["payload"])
        return str(payload["type"]), payload
    return "command", form


@pytest.fixture
async def scripted_bot() -> AsyncIterator[ScriptedBot]:
    sandbox = Sandbox(command="/worker")
    async with running_fake_slack(extend=sandbox.install) as fake:
        bot = ScriptedBot(fake, sandbox)

        verifier = SignatureVerifier(fake.signing_secret)

        async def events(request: web.Request) -> web.Response:
            if not verifier.is_valid_request(await request.read(), dict(request.headers)):
                bot.bad_signatures += 1
                return web.Response(status=401)
            kind, body = await _decode(request)
            bot.received.append((kind, body))
            status, answer = bot.reply(kind, body)
            if answer is None:
                return web.Response(status=status)
            if isinstance(answer, str):
                return web.Response(status=status, text=answer)
            return web.json_response(answer, status=status)

        app = web.Application()
        app.router.add_post("/slack/events", events)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        sandbox.connect(f"http://127.0.0.1:{runner.addresses[0][1]}")
        try:
            yield bot
        finally:
            await runner.cleanup()


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, or the reason there is none (skip; fail under REQUIRE_BROWSER)."""
    try:
        import playwright  # noqa: F401 -- only whether it is installed
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the sandbox page: {errors}"
