"""``SlackDriver``: Slack's side of the conversation, sent to the bot under test.

It builds payloads as Slack does (``payloads.py``), keeps the fake's state in step (a
user's message is stored before its events go out; triggers and response URLs are
registered), and delivers them either as signed HTTP POSTs to the bot's
``/slack/events`` (``x-slack-request-timestamp``, ``x-slack-signature``) or as Socket
Mode envelopes through the fake's websocket, awaiting the ack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp

from bot.devkit.slack import payloads
from bot.devkit.slack.fake import FakeSlack
from bot.devkit.slack.socket_mode import EnvelopeType
from bot.devkit.slack.state import Channel, Message, User
from bot.devkit.slack.view_state import build_state_values
from bot.errors import SlackWorkersError

Transport = Literal["http", "socket_mode"]


class DriverError(SlackWorkersError):
    """The test asked for something Slack could not send (an unknown user, a button
    that is not on the message, a view that is not open)."""


@dataclass
class BotResponse:
    """The bot's answer: HTTP status and body (for Socket Mode, the ack's payload)."""

    status: int
    body: str
    elapsed: float
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class MessageSent:
    """A user's message: where it landed, the event bodies delivered, the bot's answers."""

    channel: str
    ts: str
    events: list[dict[str, Any]]
    responses: list[BotResponse]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    def __init__(
        self,
        fake: FakeSlack,
        bot_url: str,
        signing_secret: str,
        *,
        transport: Transport = "http",
        ack_within: float = 10.0,
    ) -> None:
        path_given = bot_url.rstrip("/").endswith("/slack/events")
        self.events_url = bot_url if path_given else bot_url.rstrip("/") + "/slack/events"
        self.fake = fake
        self.signing_secret = signing_secret
        self.transport = transport
        self.ack_within = ack_within

    # --- lookups ------------------------------------------------------------------
    def _user(self, user_id: str) -> User:
        user = self.fake.state.users.get(user_id)
        if user is None:
            raise DriverError(f"unknown user {user_id}")
        return user

    def _channel(self, channel_id: str) -> Channel:
        channel = self.fake.state.channels.get(channel_id)
        if channel is None:
            raise DriverError(f"unknown channel {channel_id}")
        return channel

    def _event_callback(self, event: dict[str, Any]) -> dict[str, Any]:
        return payloads.event_callback(
            event,
            event_id=self.fake.state.next_id("Ev", 10),
            event_time=int(self.fake.clock.now().timestamp()),
        )

    # --- delivery -----------------------------------------------------------------
    async def post_signed(
        self,
        body: bytes | str,
        headers: dict[str, str] | None = None,
        *,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> BotResponse:
        """POSTs raw ``body`` with Slack's signature headers (optionally wrong or old)."""
        raw = body.encode() if isinstance(body, str) else body
        # the bot checks against its own wall clock, so sign with the real time
        timestamp = str(int(time.time()) - (600 if stale else 0))
        secret = "not-the-signing-secret" if bad_signature else self.signing_secret
        sent = {
            "content-type": "application/json",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": sign(secret, timestamp, raw),
            **(headers or {}),
        }
        started = time.perf_counter()
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.events_url, data=raw, headers=sent) as response,
        ):
            text = await response.text()
            return BotResponse(
                response.status, text, time.perf_counter() - started, dict(response.headers)
            )

    async def _deliver(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        retry_num: int = 0,
        retry_reason: str = "http_timeout",
    ) -> BotResponse:
        if self.transport == "socket_mode":
            started = time.perf_counter()
            ack = await self.fake.socket_mode.deliver(
                kind,
                payload,
                retry_attempt=retry_num,
                retry_reason=retry_reason if retry_num else "",
                within=self.ack_within,
            )
            body = json.dumps(ack.payload) if ack.payload is not None else ""
            return BotResponse(200, body, time.perf_counter() - started)
        headers: dict[str, str] = {}
        if retry_num:
            headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": retry_reason}
        if kind == "events_api":
            return await self.post_signed(json.dumps(payload), headers)
        form = urlencode(payload if kind == "slash_commands" else {"payload": json.dumps(payload)})
        headers["content-type"] = "application/x-www-form-urlencoded"
        return await self.post_signed(form, headers)

    async def retry(
        self, event: dict[str, Any], num: int, reason: str = "http_timeout"
    ) -> BotResponse:
        """Redelivers an event callback body, as Slack's retries do."""
        return await self._deliver("events_api", event, retry_num=num, retry_reason=reason)

    # --- what users do ------------------------------------------------------------
    async def slash_command(
        self, user: str, channel: str, text: str, command: str = "/worker"
    ) -> BotResponse:
        sender, where = self._user(user), self._channel(channel)
        form = payloads.slash_command(
            user=sender,
            channel=where,
            command=command,
            text=text,
            response_url=self.fake.new_response_url(where.id, sender.id),
            trigger_id=self.fake.new_trigger(sender.id),
        )
        return await self._deliver("slash_commands", dict(form))

    async def message(
        self, user: str, channel: str, text: str, thread_ts: str | None = None
    ) -> MessageSent:
        """Stores the user's message and delivers ``message`` (and ``app_mention``)."""
        sender, where = self._user(user), self._channel(channel)
        state = self.fake.state
        parent_user: str | None = None
        if thread_ts is not None:
            parent = state.find_message(where.id, thread_ts)
            if parent is None:
                raise DriverError(f"no message {thread_ts} in {where.id} to reply to")
            parent.thread_ts = parent.thread_ts or parent.ts
            thread_ts, parent_user = parent.thread_ts, parent.user
        message = state.add_message(
            Message(
                channel=where.id,
                ts=state.next_ts(),
                text=text,
                user=sender.id,
                blocks=payloads.rich_text(text),
                thread_ts=thread_ts,
            )
        )
        events: list[dict[str, Any]] = []
        if where.bot_is_member:  # Slack sends message.* events only where the app is
            events.append(self._event_callback(payloads.message_event(message, where, parent_user)))
            if where.kind != "im" and payloads.mentions_bot(text):
                events.append(self._event_callback(payloads.app_mention_event(message, where)))
        responses = [await self._deliver("events_api", body) for body in events]
        return MessageSent(where.id, message.ts, events, responses)

    async def block_action(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> BotResponse:
        """Clicks the element ``action_id`` on a message (or an ephemeral) it is on."""
        sender, where = self._user(user), self._channel(channel)
        message, is_ephemeral = self._clickable(where, sender, message_ts)
        action = self._find_element(message.get("blocks") or [], action_id, block_id)
        if value is not None:
            action["value"] = value
        action["action_ts"] = self.fake.state.next_ts()
        payload = payloads.block_actions(
            user=sender,
            channel=where,
            message=message,
            is_ephemeral=is_ephemeral,
            action=action,
            response_url=self.fake.new_response_url(where.id, sender.id, message_ts),
            trigger_id=self.fake.new_trigger(sender.id),
        )
        return await self._deliver("interactive", payload)

    def _clickable(self, channel: Channel, user: User, ts: str) -> tuple[dict[str, Any], bool]:
        found = self.fake.state.find_message(channel.id, ts)
        if found is not None:
            return found.as_api(self.fake.state), False
        for ephemeral in self.fake.ephemerals(user.id):
            if ephemeral.channel == channel.id and ephemeral.ts == ts:
                body = {"type": "message", "ts": ts, "text": ephemeral.text}
                return {**body, "blocks": ephemeral.blocks}, True
        raise DriverError(f"no message {ts} in {channel.id} visible to {user.id}")

    @staticmethod
    def _find_element(
        blocks: list[dict[str, Any]], action_id: str, block_id: str | None
    ) -> dict[str, Any]:
        for block in blocks:
            elements = list(block.get("elements") or [])
            if isinstance(block.get("accessory"), dict):
                elements.append(block["accessory"])
            if block_id is not None and block.get("block_id") != block_id:
                continue
            for element in elements:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    found = {k: v for k, v in element.items() if k != "confirm"}
                    return {**found, "block_id": block.get("block_id", "")}
        raise DriverError(f"no element with action_id {action_id!r} on the message")

    async def view_submission(self, user: str, view_id: str, values: dict[str, Any]) -> BotResponse:
        """Submits an open modal; applies the bot's ``response_action`` like Slack."""
        sender = self._user(user)
        view = self.fake.state.views.get(view_id)
        if view is None or view.closed or view.type != "modal":
            raise DriverError(f"no open modal {view_id}")
        body = view.as_api()
        body["state"] = {"values": build_state_values(view.definition, values)}
        payload = payloads.view_submission(
            user=sender, view=body, trigger_id=self.fake.new_trigger(sender.id)
        )
        response = await self._deliver("interactive", payload)
        answer = response.json() if response.status == 200 else None
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if response.status == 200 and action in (None, "clear"):
            for other in self.fake.open_modals(sender.id):
                if action == "clear" or other.id == view_id:
                    other.closed = True
        elif action == "update" and isinstance(answer, dict):
            view.definition = dict(answer.get("view") or {})
        return response

    async def app_home_opened(self, user: str) -> BotResponse:
        sender = self._user(user)
        home = self.fake.home(sender.id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": sender.id,
            "channel": self.fake.state.dm_of(sender.id).id,
            "tab": "home",
            "event_ts": self.fake.state.next_ts(),
        }
        if home is not None:
            event["view"] = home.as_api()
        return await self._deliver("events_api", self._event_callback(event))
