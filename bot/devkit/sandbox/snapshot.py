"""What the sandbox page shows, as one JSON document: a pure function of the fake's state.

The page asks for it again whenever the state's version moves (see ``routes.py``), so it
holds everything one user sees: conversations, messages with their threads, that user's
ephemerals, the modal on top of their stack (with the last inline errors) and their App
Home. The ``user`` is whoever the page is acting as.
"""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.fake import FakeSlack
from bot.devkit.slack.state import BOT_USER_ID, Channel, Message, View

FILE_PATH = "/sandbox/files/"


def _channel(channel: Channel, fake: FakeSlack, user: str) -> dict[str, Any]:
    if channel.kind == "im":
        other = fake.state.users[channel.im_user or user]
        label = f"{fake.state.users[BOT_USER_ID].real_name} (DM of {other.real_name})"
    else:
        label = channel.name
    return {
        "id": channel.id,
        "name": channel.name,
        "label": label,
        "kind": channel.kind,
        "bot_member": channel.bot_is_member,
        "member": user in channel.members,
    }


def _visible_channels(fake: FakeSlack, user: str) -> list[Channel]:
    """Public channels, private ones the user is in, and the user's own DM with the bot."""
    return [
        channel
        for channel in fake.state.channels.values()
        if channel.kind == "channel"
        or (channel.kind == "group" and user in channel.members)
        or (channel.kind == "im" and channel.im_user == user)
    ]


def _message(message: Message, fake: FakeSlack) -> dict[str, Any]:
    state = fake.state
    author = state.users.get(message.user)
    replies = (
        state.replies(message.channel, message.ts)[1:] if message.thread_ts == message.ts else []
    )
    return {
        "ts": message.ts,
        "channel": message.channel,
        "user": message.user,
        "user_name": author.real_name if author else message.user,
        "bot": message.bot_id is not None,
        "text": message.text,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts,
        "reply_count": len(replies),
        "edited": message.edited_ts is not None,
        "streaming": message.stream is not None and not message.stream.stopped,
        "streamed": message.stream is not None,
        "reactions": [
            {"name": name, "count": len(users)} for name, users in message.reactions.items()
        ],
        "files": [
            {
                "id": file.id,
                "name": file.name,
                "title": file.title or file.name,
                "size": len(file.content or b""),
                "url": f"{FILE_PATH}{file.id}",
            }
            for file in (state.files[file_id] for file_id in message.files)
        ],
    }


def _modal(view: View, errors: dict[str, str]) -> dict[str, Any]:
    body = view.as_api()
    return {
        "id": view.id,
        "title": body.get("title"),
        "submit": body.get("submit"),
        "close": body.get("close"),
        "blocks": body.get("blocks") or [],
        "errors": errors,
    }


def snapshot(
    fake: FakeSlack, user: str, *, command: str, errors: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Everything ``user`` sees now; ``errors`` are the inline errors per open view id."""
    state = fake.state
    channels = _visible_channels(fake, user)
    modals = fake.open_modals(user)
    home = fake.home(user)
    return {
        "version": state.version,
        "me": user,
        "command": command,
        "bot": {"id": BOT_USER_ID, "name": state.users[BOT_USER_ID].real_name},
        "users": [
            {"id": u.id, "name": u.name, "real_name": u.real_name, "bot": u.is_bot}
            for u in state.users.values()
        ],
        "channels": [_channel(channel, fake, user) for channel in channels],
        "messages": {
            channel.id: [_message(message, fake) for message in fake.messages(channel.id)]
            for channel in channels
        },
        "ephemerals": [
            {
                "ts": e.ts,
                "channel": e.channel,
                "text": e.text,
                "blocks": e.blocks,
                "thread_ts": e.thread_ts,
            }
            for e in fake.ephemerals(user)
        ],
        "modal": _modal(modals[-1], errors.get(modals[-1].id, {})) if modals else None,
        "home": home.as_api().get("blocks", []) if home is not None else None,
    }
