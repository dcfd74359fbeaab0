"""Read-only methods: auth.test, conversations.*, users.info; and apps.connections.open."""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call, Handler
from bot.devkit.slack.state import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Channel


def auth_test(call: Call) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Fake Workspace",
        "user": call.state.users[BOT_USER_ID].name,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "is_enterprise_install": False,
    }


def connections_open(call: Call) -> dict[str, Any]:
    connection = call.state.next_id("", 6)
    return {"url": f"{call.env.ws_url}/socket-mode/{connection}"}


def _readable(call: Call) -> Channel:
    channel = call.channel()
    if not channel.bot_is_member:
        call.refuse("not_in_channel")
    return channel


def _limit(call: Call, default: int) -> int:
    raw = call.opt("limit")
    try:
        return max(1, int(raw)) if raw is not None else default
    except ValueError:
        call.refuse("invalid_limit")


def conversations_info(call: Call) -> dict[str, Any]:
    return {"channel": call.channel().as_api()}


def conversations_members(call: Call) -> dict[str, Any]:
    members = sorted(call.channel().members)
    return {"members": members, "response_metadata": {"next_cursor": ""}}


def conversations_replies(call: Call) -> dict[str, Any]:
    channel = _readable(call)
    ts = call.ts("ts", "thread_not_found")
    root = call.state.find_message(channel.id, ts)
    if root is None:
        call.refuse("thread_not_found")
    thread_ts = root.thread_ts or root.ts
    messages = call.state.replies(channel.id, thread_ts) if root.thread_ts else [root]
    limit = _limit(call, 1000)
    return {
        "messages": [message.as_api(call.state) for message in messages[:limit]],
        "has_more": len(messages) > limit,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_history(call: Call) -> dict[str, Any]:
    channel = _readable(call)
    messages = list(reversed(call.state.top_level(channel.id)))  # newest first, like Slack
    limit = _limit(call, 100)
    return {
        "messages": [message.as_api(call.state) for message in messages[:limit]],
        "has_more": len(messages) > limit,
        "response_metadata": {"next_cursor": ""},
    }


def users_info(call: Call) -> dict[str, Any]:
    user = call.state.users.get(call.req("user", "user_not_found"))
    if user is None:
        call.refuse("user_not_found")
    return {"user": user.as_api()}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "apps.connections.open": connections_open,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "users.info": users_info,
}
