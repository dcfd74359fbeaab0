"""Read-side of the fake for tests and the sandbox: recorded calls and what users see."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from bot.devkit.slack.state import Ephemeral, Message, SlackState, UploadedFile, View

T = TypeVar("T")


class RecordedCall(NamedTuple):
    """One Web API request: ``time`` is the fake clock's monotonic reading."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    time: float

    @property
    def status(self) -> int:
        """The HTTP status: 429 for a rate-limited call, else 200 (errors are in the body)."""
        return 429 if self.response.get("error") == "ratelimited" else 200


class ResponseUrlPost(NamedTuple):
    url: str
    body: dict[str, Any]
    time: float


def _block_text(block: dict[str, Any]) -> list[str]:
    """The words a block shows, for the kinds that carry text."""
    kind = block.get("type")
    parts: list[str] = []

    def text_of(obj: Any) -> None:
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            parts.append(obj["text"])

    if kind == "markdown" and isinstance(block.get("text"), str):
        parts.append(block["text"])
    elif kind in ("section", "header"):
        text_of(block.get("text"))
        for field in block.get("fields") or []:
            text_of(field)
    elif kind == "context":
        for element in block.get("elements") or []:
            text_of(element)
    elif kind == "rich_text":
        parts.append(_rich_text(block.get("elements") or []))
    return parts


def _rich_text(elements: list[Any]) -> str:
    out: list[str] = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        if isinstance(element.get("text"), str):
            out.append(element["text"])
        elif element.get("type") == "user":
            out.append(f"<@{element.get('user_id')}>")
        if isinstance(element.get("elements"), list):
            out.append(_rich_text(element["elements"]))
    return "".join(out)


class SlackQueries:
    """Mixed into ``FakeSlack``; everything here only reads."""

    state: SlackState
    calls: list[RecordedCall]
    response_url_posts: list[ResponseUrlPost]
    rate_limited_count: int

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str) -> list[Message]:
        """Every message of a conversation (threads included), oldest first."""
        return [m for m in self.state.messages.get(channel, []) if not m.deleted]

    def message(self, channel: str, ts: str) -> Message | None:
        return self.state.find_message(channel, ts)

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The thread's root and replies in order, with their current text and blocks."""
        return self.state.replies(channel, thread_ts)

    def visible_text(self, channel: str, ts: str) -> str:
        """What a user reads: the blocks' text when there are blocks (Slack then shows
        ``text`` only in notifications), else ``text``; a streamed message shows its
        streamed text followed by the blocks it was stopped with."""
        message = self.state.find_message(channel, ts)
        if message is None:
            return ""
        parts: list[str] = []
        if not message.blocks or message.stream is not None:
            parts.append(message.text)
        for block in message.blocks:
            parts.extend(_block_text(block))
        return "\n".join(part for part in parts if part)

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        message = self.state.find_message(channel, ts)
        return {} if message is None else {k: list(v) for k, v in message.reactions.items()}

    def ephemerals(self, user: str) -> list[Ephemeral]:
        return [e for e in self.state.ephemerals if e.user == user]

    @property
    def views(self) -> list[View]:
        return list(self.state.views.values())

    def open_modals(self, user: str) -> list[View]:
        return [v for v in self.views if v.user == user and v.type == "modal" and not v.closed]

    def home(self, user: str) -> View | None:
        view_id = self.state.home_views.get(user)
        return None if view_id is None else self.state.views[view_id]

    @property
    def files(self) -> list[UploadedFile]:
        return list(self.state.files.values())

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,  # noqa: ASYNC109 -- a deadline per wait is this helper's point
    ) -> T:
        """Polls ``predicate`` until it returns something truthy, and returns that.

        Raises TimeoutError naming the last recorded calls, to make failures readable.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = predicate()
                    if result:
                        return result
                    await asyncio.sleep(0.01)
        except TimeoutError:
            recent = [f"{c.method}->{c.response.get('error', 'ok')}" for c in self.calls[-10:]]
            message = f"condition not met within {timeout}s; last calls: {recent}"
            raise TimeoutError(message) from None
