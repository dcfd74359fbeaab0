"""What a POST to a ``response_url`` does, as Slack does it.

The body is a message (``text``/``blocks``) with ``response_type`` (``ephemeral``, the
default, or ``in_channel``), or ``replace_original`` / ``delete_original`` for the message
an action came from. A URL works at most 5 times within 30 minutes.
"""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call
from bot.devkit.slack.state import BOT_ID, BOT_USER_ID, Ephemeral, Message
from bot.devkit.slack.validation import check_message

MAX_USES = 5
MAX_AGE = 30 * 60.0


def respond(call: Call, *, channel_id: str, user: str, message_ts: str | None) -> dict[str, Any]:
    """Applies one response; ``call.params`` is the posted JSON body."""
    state = call.state
    channel = call.resolve(channel_id)
    original = state.find_message(channel.id, message_ts) if message_ts else None
    if call.params.get("delete_original") in (True, "true"):
        if original is not None and original.user == BOT_USER_ID:
            original.deleted = True
        return {}
    text = call.params.get("text")
    blocks = call.json("blocks")
    if not text and not blocks:
        call.refuse("no_text")
    call.violated(check_message(text, blocks))
    if call.params.get("replace_original") in (True, "true") and original is not None:
        if original.user != BOT_USER_ID:
            call.refuse("cant_update_message")
        original.text = text if isinstance(text, str) else original.text
        original.blocks = list(blocks or [])
        original.edited_ts = state.next_ts()
        return {}
    thread_ts = call.opt("thread_ts")
    if call.params.get("response_type") == "in_channel":
        state.add_message(
            Message(
                channel=channel.id,
                ts=state.next_ts(),
                text=text if isinstance(text, str) else "",
                user=BOT_USER_ID,
                bot_id=BOT_ID,
                blocks=list(blocks or []),
                thread_ts=thread_ts,
            )
        )
        return {}
    state.ephemerals.append(
        Ephemeral(
            channel.id,
            user,
            state.next_ts(),
            text if isinstance(text, str) else "",
            list(blocks or []),
            thread_ts,
        )
    )
    return {}
