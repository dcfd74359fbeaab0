"""All Web API calls of the bot go through one ``SlackWriter`` per workspace.

It spends the workspace's ``SlackBudget`` before each call, honours ``Retry-After`` on
429 (penalising the bucket so every caller backs off, then retrying), and turns
``ok: false`` into ``SlackError`` -- a failed write is never silently dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import SlackError, SlackRateLimited
from bot.relay.budget import Priority, SlackBudget

log = logging.getLogger(__name__)

MAX_429_RETRIES = 5


def _retry_after(error: SlackApiError) -> float:
    raw = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
    try:
        return max(1.0, float(raw)) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


class SlackWriter:
    """Budgeted, retrying, error-mapping access to one workspace's Web API."""

    def __init__(self, client: AsyncWebClient, budget: SlackBudget, *, team_id: str) -> None:
        self.client = client
        self.budget = budget
        self.team_id = team_id

    async def call(
        self,
        method: str,
        *,
        priority: Priority = Priority.NORMAL,
        **params: Any,
    ) -> dict[str, Any]:
        """Call ``method`` (e.g. ``chat.update``) through slack-sdk's method of that name,
        which knows how Slack wants it sent; return Slack's answer as a dict."""
        await self.budget.acquire(method, channel=params.get("channel"), priority=priority)
        return await self._send(method, params, priority)

    async def call_if_free(self, method: str, **params: Any) -> dict[str, Any] | None:
        """Call ``method`` only if the budget has room this instant (progress writes:
        a skipped one is carried by the next). None: nothing was sent."""
        if not self.budget.try_acquire(method, channel=params.get("channel")):
            return None
        return await self._send(method, params, Priority.NORMAL)

    async def _send(
        self, method: str, params: dict[str, Any], priority: Priority
    ) -> dict[str, Any]:
        """Send a call whose budget is spent; on 429 back off (everyone) and retry."""
        send = getattr(self.client, method.replace(".", "_"))
        channel = params.get("channel")
        for attempt in range(MAX_429_RETRIES + 1):
            if attempt:
                await self.budget.acquire(method, channel=channel, priority=priority)
            try:
                response = await send(**params)
            except SlackApiError as error:
                if error.response.status_code == 429:
                    retry_after = _retry_after(error)
                    log.warning(
                        "slack rate limited",
                        extra={"team": self.team_id, "method": method, "channel": channel},
                    )
                    self.budget.penalize(method, channel=channel, retry_after=retry_after)
                    if attempt < MAX_429_RETRIES:
                        continue
                    raise SlackRateLimited(method, retry_after) from None
                code = str(error.response.get("error") or "unknown_error")
                raise SlackError(method, code) from None
            return dict(response.data) if isinstance(response.data, dict) else {}
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def upload_file(
        self, *, channel: str, thread_ts: str, filename: str, content: bytes, title: str
    ) -> None:
        """``files_upload_v2`` into a thread (getUploadURLExternal + completeUploadExternal)."""
        for method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            await self.budget.acquire(method, channel=channel, priority=Priority.NORMAL)
        try:
            await self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                filename=filename,
                content=content,
                title=title,
            )
        except SlackApiError as error:
            if error.response.status_code == 429:
                self.budget.penalize(
                    "files.completeUploadExternal",
                    channel=channel,
                    retry_after=_retry_after(error),
                )
                raise SlackRateLimited("files_upload_v2", _retry_after(error)) from None
            raise SlackError("files_upload_v2", str(error.response.get("error"))) from None
