"""``slack-workers run``: HTTP (aiohttp) or Socket Mode, plus health and metrics.

HTTP mode serves ``POST /slack/events`` (events, commands and interactivity, signatures
verified by Bolt), the OAuth routes when configured, ``GET /healthz`` (the process is
up), ``GET /readyz`` (database and Workers API answer) and ``GET /metrics``
(Prometheus text). Socket Mode serves the same health routes on ``HOST:PORT``.

SIGTERM or SIGINT: stop taking requests, then stop the running turns and release their
leases so another process (or the next start) resumes them at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from aiohttp import web
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp

from bot.app import build_app
from bot.deps import Deps, open_deps
from bot.errors import SlackWorkersError
from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def build_web(app: AsyncApp, deps: Deps, *, slack_routes: bool = True) -> web.Application:
    """The aiohttp application: Slack's path (HTTP mode) and the operational routes."""
    web_app = (
        AsyncSlackAppServer(port=0, path=EVENTS_PATH, app=app).web_app
        if slack_routes
        else web.Application()
    )

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        problems: dict[str, str] = {}
        try:
            await deps.db.ping()
        except SlackWorkersError as exc:
            problems["database"] = str(exc)
        try:
            await deps.workers.retrieve("readiness-probe")
        except SlackWorkersError as exc:
            from bot.errors import WorkersNotFound

            if not isinstance(exc, WorkersNotFound):  # 404 means the API answered
                problems["workers_api"] = type(exc).__name__
        status = 503 if problems else 200
        return web.json_response({"ok": not problems, "problems": problems}, status=status)

    async def metrics(_: web.Request) -> web.Response:
        lines = [
            "# HELP slack_workers_running_turns Turns this process is relaying now.",
            "# TYPE slack_workers_running_turns gauge",
            f"slack_workers_running_turns {deps.supervisor.running}",
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
    return web_app


@asynccontextmanager
async def serving(
    settings: Settings, deps: Deps, *, host: str, port: int
) -> AsyncIterator[tuple[web.AppRunner, int]]:
    """Serve the bot until the block exits; yields the runner and the bound port."""
    app = build_app(settings, deps)
    handler = None
    web_app = build_web(app, deps, slack_routes=not settings.socket_mode)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert settings.slack_app_token is not None
        handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        yield runner, bound
    finally:
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]
        await runner.cleanup()


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with (
        open_deps(settings) as deps,
        serving(settings, deps, host=settings.host, port=settings.port) as (_, port),
    ):
        mode = "Socket Mode" if settings.socket_mode else f"HTTP on {settings.host}:{port}"
        log.info("slack-workers serving (%s)", mode)
        await stop.wait()
        log.info("shutting down: releasing running turns")
