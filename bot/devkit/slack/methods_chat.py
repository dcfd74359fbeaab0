"""chat.* (without streams) and reactions.*: posting, editing and decorating messages."""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call, Handler
from bot.devkit.slack.state import BOT_ID, BOT_USER_ID, Ephemeral, Message
from bot.devkit.slack.validation import check_message


def _text_and_blocks(call: Call, *, required: bool = True) -> tuple[str | None, Any]:
    text = call.params.get("text")
    text = text if isinstance(text, str) else None
    blocks = call.json("blocks")
    if required and not text and not blocks and not call.params.get("attachments"):
        call.refuse("no_text")
    call.violated(check_message(text, blocks))
    return text, blocks


def post_message(call: Call) -> dict[str, Any]:
    channel = call.channel(write=True)
    text, blocks = _text_and_blocks(call)
    thread_ts = call.thread_parent(channel)
    message = call.state.add_message(
        Message(
            channel=channel.id,
            ts=call.state.next_ts(),
            text=text or "",
            user=BOT_USER_ID,
            bot_id=BOT_ID,
            blocks=list(blocks or []),
            thread_ts=thread_ts,
            metadata=call.json("metadata"),
        )
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.as_api(call.state)}


def post_ephemeral(call: Call) -> dict[str, Any]:
    channel = call.channel(write=True)
    user = call.req("user", "user_not_found")
    if user not in call.state.users:
        call.refuse("user_not_found")
    if user not in channel.members:
        call.refuse("user_not_in_channel")
    text, blocks = _text_and_blocks(call)
    thread_ts = call.opt("thread_ts")
    ts = call.state.next_ts()
    call.state.ephemerals.append(
        Ephemeral(channel.id, user, ts, text or "", list(blocks or []), thread_ts)
    )
    return {"message_ts": ts}


def update(call: Call) -> dict[str, Any]:
    channel = call.channel()
    message = call.message(channel)
    if message.user != BOT_USER_ID:
        call.refuse("cant_update_message")
    text, blocks = _text_and_blocks(call)
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = list(blocks)
    message.edited_ts = call.state.next_ts()
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.as_api(call.state),
    }


def delete(call: Call) -> dict[str, Any]:
    channel = call.channel()
    message = call.message(channel)
    if message.user != BOT_USER_ID:
        call.refuse("cant_delete_message")
    message.deleted = True
    return {"channel": channel.id, "ts": message.ts}


def get_permalink(call: Call) -> dict[str, Any]:
    channel = call.channel()
    message = call.message(channel, "message_ts")
    link = f"{call.env.base_url}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def reactions_add(call: Call) -> dict[str, Any]:
    channel = call.channel()
    message = call.message(channel, "timestamp")
    name = call.req("name", "invalid_name").strip(":")
    users = message.reactions.setdefault(name, [])
    if BOT_USER_ID in users:
        call.refuse("already_reacted")
    users.append(BOT_USER_ID)
    return {}


def reactions_remove(call: Call) -> dict[str, Any]:
    channel = call.channel()
    message = call.message(channel, "timestamp")
    name = call.req("name", "invalid_name").strip(":")
    users = message.reactions.get(name, [])
    if BOT_USER_ID not in users:
        call.refuse("no_reaction")
    users.remove(BOT_USER_ID)
    if not users:
        del message.reactions[name]
    return {}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
