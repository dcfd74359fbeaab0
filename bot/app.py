"""The app factory: ``build_app(settings, deps)`` wires Bolt to our listeners.

One module per Slack surface registers its listeners; this module only assembles.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.settings import Settings
from bot.slack import actions, commands, events, home, schedule_surface, views
from bot.slack.middleware import dedupe_events

log = logging.getLogger(__name__)


def build_app(settings: Settings, deps: Deps) -> AsyncApp:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    client = AsyncWebClient(token=token, base_url=str(settings.slack_api_url))
    app = AsyncApp(
        client=client,
        signing_secret=secret,
        request_verification_enabled=not settings.socket_mode,
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
    )
    app.use(dedupe_events(deps.db, deps.clock))
    commands.register(app, deps)
    events.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    schedule_surface.register(app, deps)
    views.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Bolt calls this for exceptions that escaped a listener; they are logged here
        # with ids only (never the payload's text).
        log.error(
            "listener failed: %s",
            type(error).__name__,
            exc_info=error,
            extra={"team": body.get("team_id") or body.get("team", {}).get("id")},
        )

    return app
