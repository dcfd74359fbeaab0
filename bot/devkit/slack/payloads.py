"""Payloads exactly as Slack sends them to an app: event callbacks, slash command forms,
block actions and view submissions. Pure functions of the fake's state; no I/O."""

from __future__ import annotations

import re
import secrets
from typing import Any

from bot.devkit.slack.state import (
    APP_ID,
    BOT_USER_ID,
    ENTERPRISE_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Channel,
    Message,
    User,
)

VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack, still sent
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def rich_text(text: str) -> list[dict[str, Any]]:
    """The ``rich_text`` block Slack's clients attach to a typed message."""
    elements: list[dict[str, Any]] = []
    position = 0
    for match in _MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": secrets.token_hex(3), "elements": [section]}]


def mentions_bot(text: str) -> bool:
    return any(match.group(1) == BOT_USER_ID for match in _MENTION.finditer(text))


def event_callback(event: dict[str, Any], *, event_id: str, event_time: int) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "enterprise_id": ENTERPRISE_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": ENTERPRISE_ID,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def message_event(message: Message, channel: Channel, parent_user: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "team": TEAM_ID,
        "channel": channel.id,
        "channel_type": channel.kind,
        "client_msg_id": secrets.token_hex(16),
        "blocks": message.blocks,
    }
    if message.thread_ts and message.thread_ts != message.ts:
        event["thread_ts"] = message.thread_ts
        event["parent_user_id"] = parent_user
    return event


def app_mention_event(message: Message, channel: Channel) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "team": TEAM_ID,
        "channel": channel.id,
        "client_msg_id": secrets.token_hex(16),
        "blocks": message.blocks,
    }
    if message.thread_ts and message.thread_ts != message.ts:
        event["thread_ts"] = message.thread_ts
    return event


def channel_name(channel: Channel) -> str:
    return "directmessage" if channel.kind == "im" else channel.name


def slash_command(
    *,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def user_ref(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def block_actions(
    *,
    user: User,
    channel: Channel,
    message: dict[str, Any],
    is_ephemeral: bool,
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel.id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel_name(channel)},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission(*, user: User, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
