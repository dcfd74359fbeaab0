"""One ``SlackWriter`` (client + rate budget) per workspace, made on first use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.relay.budget import SlackBudget
from bot.relay.slack_writer import SlackWriter

TokenLookup = Callable[[str], Awaitable[str]]


class SlackWorkspaces:
    """Writers by team id. ``token_for(team_id)`` finds the bot token (settings or OAuth)."""

    def __init__(
        self, *, api_url: str, token_for: TokenLookup, clock: Clock, budget_scale: float = 1.0
    ) -> None:
        self._api_url = api_url
        self._token_for = token_for
        self._clock = clock
        self._scale = budget_scale
        self._writers: dict[str, SlackWriter] = {}

    async def writer(self, team_id: str) -> SlackWriter:
        writer = self._writers.get(team_id)
        if writer is None:
            token = await self._token_for(team_id)
            client = AsyncWebClient(token=token, base_url=self._api_url)
            writer = SlackWriter(
                client, SlackBudget(self._clock, scale=self._scale), team_id=team_id
            )
            self._writers[team_id] = writer
        return writer
