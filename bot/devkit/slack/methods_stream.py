"""Native streaming (chat.startStream / appendStream / stopStream) and the assistant status.

A stream is a bot message whose text grows with each call. Like Slack, a stream ends
after ``stream_max_age`` seconds (about five minutes) even while text still arrives;
after that, or after stopStream, both append and stop answer
``message_not_in_streaming_state``.
"""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call, Handler
from bot.devkit.slack.state import BOT_ID, BOT_USER_ID, Message, Stream
from bot.devkit.slack.validation import check_message, check_stream_markdown


def _markdown(call: Call) -> str:
    """The text of one call: ``markdown_text`` plus any ``markdown_text`` chunks."""
    parts: list[str] = []
    text = call.params.get("markdown_text")
    if isinstance(text, str):
        parts.append(text)
    chunks = call.json("chunks")
    if chunks is not None and not isinstance(chunks, list):
        call.refuse("invalid_arguments", ["[ERROR] chunks must be an array"])
    for chunk in chunks or []:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            parts.append(str(chunk.get("text", "")))
    markdown = "".join(parts)
    call.violated(check_stream_markdown(markdown))
    return markdown


def _streaming_message(call: Call) -> tuple[Message, Stream]:
    channel = call.channel()
    message = call.message(channel)
    stream = message.stream
    if stream is None or stream.stopped:
        call.refuse("message_not_in_streaming_state")
    if call.env.clock.monotonic() - stream.started > call.env.stream_max_age:
        stream.stopped = True
        call.refuse("message_not_in_streaming_state")
    return message, stream


def start_stream(call: Call) -> dict[str, Any]:
    channel = call.channel(write=True)
    call.req("thread_ts")
    if channel.kind != "im":
        call.req("recipient_team_id")
        recipient = call.req("recipient_user_id")
        if recipient not in call.state.users:
            call.refuse("user_not_found")
    markdown = _markdown(call)
    thread_ts = call.thread_parent(channel)
    message = call.state.add_message(
        Message(
            channel=channel.id,
            ts=call.state.next_ts(),
            text=markdown,
            user=BOT_USER_ID,
            bot_id=BOT_ID,
            thread_ts=thread_ts,
            stream=Stream(started=call.env.clock.monotonic()),
        )
    )
    return {"channel": channel.id, "ts": message.ts}


def append_stream(call: Call) -> dict[str, Any]:
    message, _stream = _streaming_message(call)
    markdown = _markdown(call)
    call.violated(check_message(message.text + markdown, None))
    message.text += markdown
    return {"channel": message.channel, "ts": message.ts}


def stop_stream(call: Call) -> dict[str, Any]:
    message, stream = _streaming_message(call)
    markdown = _markdown(call)
    blocks = call.json("blocks")
    call.violated(check_message(message.text + markdown, blocks))
    message.text += markdown
    if blocks is not None:
        message.blocks = list(blocks)
    metadata = call.json("metadata")
    if metadata is not None:
        message.metadata = metadata
    stream.stopped = True
    return {"channel": message.channel, "ts": message.ts, "message": message.as_api(call.state)}


def set_status(call: Call) -> dict[str, Any]:
    channel = call.channel("channel_id")
    thread_ts = call.req("thread_ts")
    call.state.statuses.append(
        {"channel": channel.id, "thread_ts": thread_ts, "status": call.params.get("status", "")}
    )
    return {}


HANDLERS: dict[str, Handler] = {
    "chat.startStream": start_stream,
    "chat.appendStream": append_stream,
    "chat.stopStream": stop_stream,
    "assistant.threads.setStatus": set_status,
}
