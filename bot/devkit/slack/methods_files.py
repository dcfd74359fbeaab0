"""files.getUploadURLExternal and files.completeUploadExternal (``files_upload_v2``).

The flow is Slack's: get an upload URL (served by this fake at ``/upload/<file_id>``),
POST the bytes there, then complete the upload, which shares the files into a channel
or thread as one bot message carrying them.
"""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call, Handler
from bot.devkit.slack.state import BOT_ID, BOT_USER_ID, Message, UploadedFile


def get_upload_url(call: Call) -> dict[str, Any]:
    filename = call.req("filename")
    try:
        length = int(call.req("length"))
    except ValueError:
        call.refuse("invalid_arguments", ["[ERROR] length must be an integer"])
    file = UploadedFile(id=call.state.next_id("F", 10), name=filename, length=length)
    call.state.files[file.id] = file
    return {"upload_url": f"{call.env.base_url}/upload/{file.id}", "file_id": file.id}


def complete_upload(call: Call) -> dict[str, Any]:
    items = call.json("files")
    if not isinstance(items, list) or not items:
        call.refuse("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    uploads: list[UploadedFile] = []
    for item in items:
        file = call.state.files.get(item.get("id", "")) if isinstance(item, dict) else None
        if file is None or file.content is None or file.completed:
            call.refuse("file_not_found")
        file.title = str(item.get("title") or file.name)
        uploads.append(file)
    targets = [call.channel("channel_id", write=True)] if call.opt("channel_id") else []
    for name in (call.opt("channels") or "").split(","):
        if name:
            targets.append(call.resolve(name, write=True))
    thread_ts = call.thread_parent(targets[0]) if targets and call.opt("thread_ts") else None
    for file in uploads:
        file.completed = True
    for channel in targets:
        for file in uploads:
            file.channels.append(channel.id)
        call.state.add_message(
            Message(
                channel=channel.id,
                ts=call.state.next_ts(),
                text=call.opt("initial_comment") or "",
                user=BOT_USER_ID,
                bot_id=BOT_ID,
                thread_ts=thread_ts,
                files=[file.id for file in uploads],
            )
        )
    return {"files": [file.as_api() for file in uploads]}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
