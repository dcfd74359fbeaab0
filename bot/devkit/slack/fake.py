"""``FakeSlack``: one fake workspace's Web API, independent of HTTP.

``perform(method, params, token)`` is what one Web API request does: authenticate, apply
the rate limits, run the method against the state, record the call. ``server.py`` puts
it behind aiohttp; the driver (Slack's side of the conversation) registers triggers and
response URLs here.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, SystemClock
from bot.devkit.slack import (
    methods_chat,
    methods_files,
    methods_read,
    methods_stream,
    methods_views,
    response_urls,
)
from bot.devkit.slack.calls import Call, Env, Handler, RecordedViolation, Refused
from bot.devkit.slack.limits import RateLimiter
from bot.devkit.slack.queries import RecordedCall, ResponseUrlPost, SlackQueries
from bot.devkit.slack.socket_mode import SocketModeHub
from bot.devkit.slack.state import TEAM_ID, SlackState, Trigger

logger = logging.getLogger(__name__)

METHODS: dict[str, Handler] = {
    **methods_chat.HANDLERS,
    **methods_stream.HANDLERS,
    **methods_read.HANDLERS,
    **methods_views.HANDLERS,
    **methods_files.HANDLERS,
}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ResponseUrl:
    """Where a slash command or an action may answer: at most 5 times in 30 minutes."""

    channel: str
    user: str
    issued: float
    message_ts: str | None = None
    uses: int = 0


class FakeSlack(SlackQueries):
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        stream_max_age: float = 300.0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.state = SlackState(self.clock)
        self.env = Env(self.state, self.clock, stream_max_age)
        self.limiter = RateLimiter(scale=rate_scale)
        self.rate_limits = rate_limits
        self.bot_token = f"xoxb-fake-{secrets.token_hex(8)}"
        self.app_token = f"xapp-fake-{secrets.token_hex(8)}"
        self.signing_secret = secrets.token_hex(16)
        self.calls: list[RecordedCall] = []
        self.response_url_posts: list[ResponseUrlPost] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.rate_limited_count = 0
        self.socket_mode = SocketModeHub()
        self._violations_expected = False
        self.url = ""

    @property
    def violations(self) -> list[RecordedViolation]:
        return self.env.violations

    def bind(self, url: str) -> None:
        """Called by the server once it listens: URLs handed out point back at it."""
        self.url = url
        self.env.base_url = url
        self.env.ws_url = "ws" + url.removeprefix("http")

    def expect_violations(self) -> None:
        """This test provokes limit violations on purpose; the fixture will not fail it."""
        self._violations_expected = True

    @property
    def unexpected_violations(self) -> list[RecordedViolation]:
        return [] if self._violations_expected else list(self.violations)

    # --- one Web API request --------------------------------------------------------
    def perform(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        answer = self._answer(method, params, token)
        self.calls.append(RecordedCall(method, params, answer.body, self.clock.monotonic()))
        if answer.body.get("ok"):
            self.state.changed()
        return answer

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        handler = METHODS.get(method)
        if handler is None:
            return Answer(200, {"ok": False, "error": "unknown_method"})
        if not token:
            return Answer(200, {"ok": False, "error": "not_authed"})
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            known = token in (self.app_token, self.bot_token)  # valid, but the wrong kind
            error = "not_allowed_token_type" if known else "invalid_auth"
            return Answer(200, {"ok": False, "error": error})
        channel = params.get("channel") or params.get("channel_id")
        if self.rate_limits:
            retry_after = self.limiter.admit(
                method,
                team=TEAM_ID,
                channel=str(channel) if channel else None,
                now=self.clock.monotonic(),
            )
            if retry_after is not None:
                self.rate_limited_count += 1
                logger.info(
                    "fake slack: rate limited", extra={"method": method, "channel": channel}
                )
                return Answer(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
                )
        try:
            return Answer(200, {"ok": True, **handler(Call(method, params, self.env))})
        except Refused as refused:
            body: dict[str, Any] = {"ok": False, "error": refused.error}
            if refused.messages:
                body["response_metadata"] = {"messages": refused.messages}
            return Answer(200, body)

    # --- what the driver hands to the app ---------------------------------------------
    def new_trigger(self, user: str) -> str:
        """A trigger_id for views.open/push, valid once for ``env.trigger_ttl`` seconds."""
        trigger_id = f"{self.state.next_id('', 8)}.1.{secrets.token_hex(16)}"
        self.state.triggers[trigger_id] = Trigger(trigger_id, user, self.clock.monotonic())
        return trigger_id

    def new_response_url(self, channel: str, user: str, message_ts: str | None = None) -> str:
        token = secrets.token_hex(12)
        self.response_urls[token] = ResponseUrl(channel, user, self.clock.monotonic(), message_ts)
        return f"{self.url}/response_url/{token}"

    def post_response_url(self, token: str, body: dict[str, Any]) -> Answer:
        """A POST to a response URL: applied to the state and recorded."""
        try:
            return self._post_response_url(token, body)
        finally:
            self.state.changed()

    def _post_response_url(self, token: str, body: dict[str, Any]) -> Answer:
        url = self.response_urls.get(token)
        now = self.clock.monotonic()
        posted = ResponseUrlPost(f"{self.url}/response_url/{token}", body, now)
        self.response_url_posts.append(posted)
        if url is None:
            return Answer(404, {"ok": False, "error": "invalid_url"})
        url.uses += 1
        if url.uses > response_urls.MAX_USES:
            return Answer(404, {"ok": False, "error": "used_url"})
        if now - url.issued > response_urls.MAX_AGE:
            return Answer(404, {"ok": False, "error": "expired_url"})
        call = Call("response_url", body, self.env)
        try:
            response_urls.respond(
                call, channel_id=url.channel, user=url.user, message_ts=url.message_ts
            )
        except Refused as refused:
            return Answer(200, {"ok": False, "error": refused.error})
        return Answer(200, {"ok": True})
