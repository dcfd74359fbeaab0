"""The App Home tab: the user's recent workers and the schedules they created."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.deps import Deps
from bot.relay.budget import Priority
from bot.render.commands import home_view
from bot.slack.recent import recent_workers, user_zone
from bot.slack.schedule_surface import home_rows


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab") not in (None, "home"):
            return
        team_id, user_id = str(context.team_id), str(event["user"])
        rows = await recent_workers(deps, team_id=team_id, user_id=user_id)
        slack = await deps.workspaces.writer(team_id)
        zone = await user_zone(slack, user_id)
        mine = await home_rows(deps, team_id=team_id, user_id=user_id)
        view = home_view(rows, mine, deps.clock.now(), zone, command=deps.settings.slack_command)
        await slack.call("views.publish", user_id=user_id, priority=Priority.NORMAL, view=view)
