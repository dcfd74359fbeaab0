"""Writes one turn's growing output into its Slack thread, as one or more messages.

A turn's output is split into *parts*; each part is one Slack message holding
``text[start:end]``. The last part is open and grows; when it would pass
``MESSAGE_TEXT_LIMIT`` it is sealed at a good cut (``find_cut``) and a new part opens.
A sealed part's range never changes until the final reconcile, so nothing is cut and
nothing is written twice.

Each part is written either as a native stream (``chat.startStream`` /
``appendStream`` / ``stopStream``: appends only) or as a message that is edited
(``chat.postMessage`` then ``chat.update`` with everything so far -- edits coalesce,
because each edit renders the latest text when its turn in the budget comes). When
Slack refuses or ends a stream (``message_not_in_streaming_state`` after about five
minutes), that part carries on with ``chat.update`` on the same message.

Parts are persisted (``persist``) after every change of structure, so a restarted
process resumes the same messages instead of posting new ones. Every message carries
``metadata`` naming its turn and part, which lets a restart adopt a message whose
``ts`` was never saved.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel

from bot.errors import SlackError, SlackRateLimited
from bot.relay.budget import Priority
from bot.relay.slack_writer import SlackWriter
from bot.render.markdown_split import (
    MESSAGE_TEXT_LIMIT,
    find_cut,
    message_markdown,
    open_fence_at,
)
from bot.render.turns import final_blocks, running_blocks

log = logging.getLogger(__name__)

STREAM_ENDED = frozenset({"message_not_in_streaming_state", "message_not_found"})
STREAM_APPEND_LIMIT = 12_000  # Slack's markdown_text limit per streaming call
METADATA_EVENT = "slack_workers_turn"


class Part(BaseModel):
    """One Slack message of a turn (persisted as JSON in the turn row)."""

    ts: str
    start: int
    end: int | None = None  # None while this part is open
    mode: Literal["stream", "update"]
    streamed: int = 0  # stream mode: characters of text[start:] appended so far
    streamed_digest: str = ""  # of text[start:start + streamed], to notice a rewrite
    digest: str = ""  # of what the message shows now


def _digest(*pieces: object) -> str:
    return hashlib.sha256(repr(pieces).encode()).hexdigest()[:16]


def _excerpt(markdown: str) -> str:
    """The plain ``text`` Slack wants beside blocks (notifications, screen readers)."""
    flat = " ".join(markdown.split())
    return flat[:300] or "Working..."


Persist = Callable[[list[Part]], Awaitable[None]]


class ThreadWriter:
    def __init__(
        self,
        writer: SlackWriter,
        *,
        channel: str,
        thread_ts: str,
        user_id: str,
        turn_id: str,
        parts: list[Part],
        native: bool,
        persist: Persist,
    ) -> None:
        self._slack = writer
        self._channel = channel
        self._thread_ts = thread_ts
        self._user_id = user_id
        self._turn_id = turn_id
        self.parts = parts
        self._native = native
        self._persist = persist

    # --- public -------------------------------------------------------------------

    @property
    def shown_chars(self) -> int:
        """How much of the turn's text Slack shows (best knowledge)."""
        if not self.parts:
            return 0
        last = self.parts[-1]
        return last.end if last.end is not None else last.start + last.streamed

    async def sync(self, text: str, *, status: str) -> None:
        """Bring Slack up to ``text`` while the turn runs."""
        first_text = self.shown_chars == 0 and bool(text)
        if not self.parts:  # the first message is posted with the text it already has
            await self._create(0, text, status=status, priority=Priority.URGENT)
        while len(text) - self.parts[-1].start > MESSAGE_TEXT_LIMIT:
            part = self.parts[-1]
            cut = find_cut(text, part.start, MESSAGE_TEXT_LIMIT)
            await self._write(part, text, cut, final=True, footer=None, status=status)
            part.end = cut
            await self._persist(self.parts)
            await self._create(cut, text, status=status, priority=Priority.NORMAL)
        priority = Priority.URGENT if first_text else Priority.NORMAL
        await self._write(
            self.parts[-1],
            text,
            len(text),
            final=False,
            footer=None,
            status=status,
            priority=priority,
        )

    async def finish(self, text: str, *, footer: list[dict[str, Any]]) -> None:
        """Write the final text, re-cutting where it differs from what was shown."""
        start = 0
        index = 0
        while True:
            last = len(text) - start <= MESSAGE_TEXT_LIMIT
            end = len(text) if last else find_cut(text, start, MESSAGE_TEXT_LIMIT)
            if index == len(self.parts):
                await self._create(start, text, status="", priority=Priority.URGENT)
            part = self.parts[index]
            if part.start != start:
                part.start, part.streamed = start, 0
                if part.mode == "stream":
                    await self._end_stream(part)
            await self._write(
                part,
                text,
                end,
                final=True,
                footer=footer if last else None,
                status="",
                priority=Priority.URGENT,
            )
            part.end = end
            await self._persist(self.parts)
            index += 1
            if last:
                break
            start = end
        for extra in self.parts[index:]:
            await self._slack.call(
                "chat.delete", channel=self._channel, ts=extra.ts, priority=Priority.URGENT
            )
        del self.parts[index:]
        await self._persist(self.parts)

    # --- parts --------------------------------------------------------------------

    def _metadata(self, index: int) -> dict[str, Any]:
        return {
            "event_type": METADATA_EVENT,
            "event_payload": {"turn": self._turn_id, "part": index},
        }

    async def _create(self, start: int, text: str, *, status: str, priority: Priority) -> None:
        end = min(len(text), start + MESSAGE_TEXT_LIMIT)
        # A native stream costs chat.startStream and chat.stopStream, both Tier 2 (about
        # 20 a minute per workspace). When other turns already queue for them, this part
        # is an edited message instead, rather than waiting minutes for a stream.
        budget = self._slack.budget
        if (
            self._native
            and budget.is_free("chat.startStream")
            and budget.is_free("chat.stopStream")
        ):
            try:
                await self._create_stream(start, text, end, priority)
                return
            except SlackRateLimited:
                raise
            except SlackError as exc:
                log.info(
                    "native streaming refused; editing messages instead",
                    extra={"channel": self._channel, "method": exc.method},
                )
                self._native = False
        markdown = message_markdown(text, start, end) if end > start else ""
        blocks = running_blocks(markdown, status=status)
        answer = await self._slack.call(
            "chat.postMessage",
            channel=self._channel,
            priority=priority,
            thread_ts=self._thread_ts,
            text=_excerpt(markdown),
            blocks=blocks,
            metadata=self._metadata(len(self.parts)),
            unfurl_links=False,
        )
        self.parts.append(
            Part(ts=str(answer["ts"]), start=start, mode="update", digest=_digest(blocks))
        )
        await self._persist(self.parts)

    async def _create_stream(self, start: int, text: str, end: int, priority: Priority) -> None:
        fence = open_fence_at(text, start) if start else None
        head = f"{fence}\n" if fence else ""
        body = text[start:end]
        answer = await self._slack.call(
            "chat.startStream",
            channel=self._channel,
            priority=priority,
            thread_ts=self._thread_ts,
            recipient_user_id=self._user_id,
            recipient_team_id=self._slack.team_id,
            markdown_text=(head + body)[:STREAM_APPEND_LIMIT] or None,
        )
        self.parts.append(
            Part(
                ts=str(answer["ts"]),
                start=start,
                mode="stream",
                streamed=len(body),
                streamed_digest=_digest(body),
            )
        )
        await self._persist(self.parts)

    async def _write(
        self,
        part: Part,
        text: str,
        end: int,
        *,
        final: bool,
        footer: list[dict[str, Any]] | None,
        status: str,
        priority: Priority = Priority.NORMAL,
    ) -> None:
        if part.mode == "stream" and part.streamed_digest != _digest(
            text[part.start : part.start + part.streamed]
        ):
            await self._end_stream(part)  # what was streamed changed: rewrite it whole
        if part.mode == "stream":
            try:
                await self._write_stream(
                    part, text, end, final=final, footer=footer, priority=priority
                )
                return
            except SlackRateLimited:
                raise
            except SlackError as exc:
                if exc.error not in STREAM_ENDED:
                    raise
                log.info(
                    "native stream ended by Slack; editing the message instead",
                    extra={"channel": self._channel},
                )
                part.mode = "update"
                await self._persist(self.parts)
        markdown = message_markdown(text, part.start, end)
        blocks = final_blocks(markdown) if final else running_blocks(markdown, status=status)
        if footer:
            blocks = blocks + footer
        digest = _digest(blocks)
        if digest == part.digest:
            return
        params = {"channel": self._channel, "ts": part.ts, "text": _excerpt(markdown)}
        if final or priority is Priority.URGENT:
            await self._slack.call("chat.update", priority=priority, blocks=blocks, **params)
        elif await self._slack.call_if_free("chat.update", blocks=blocks, **params) is None:
            return  # no room now: a progress frame is skipped, the next write carries it
        part.digest = digest

    async def _write_stream(
        self,
        part: Part,
        text: str,
        end: int,
        *,
        final: bool,
        footer: list[dict[str, Any]] | None,
        priority: Priority,
    ) -> None:
        done = part.start + part.streamed
        pending = text[done:end]
        if final and open_fence_at(text, end) is not None:
            pending += "\n```"
        while pending:
            chunk, pending = pending[:STREAM_APPEND_LIMIT], pending[STREAM_APPEND_LIMIT:]
            append = {"channel": self._channel, "ts": part.ts, "markdown_text": chunk}
            if final or priority is Priority.URGENT:
                await self._slack.call("chat.appendStream", priority=priority, **append)
            elif await self._slack.call_if_free("chat.appendStream", **append) is None:
                return  # no room now: the next write appends this text too
            part.streamed += len(chunk)
            part.streamed_digest = _digest(text[part.start : part.start + part.streamed])
        if final:
            closing: dict[str, Any] = {"blocks": footer} if footer else {}
            await self._slack.call(
                "chat.stopStream",
                channel=self._channel,
                priority=priority,
                ts=part.ts,
                **closing,
            )
            part.mode = "update"
            # What an edit would show for the same content: the final reconcile skips it.
            part.digest = _digest(
                final_blocks(message_markdown(text, part.start, end)) + (footer or [])
            )

    async def _end_stream(self, part: Part) -> None:
        """Stop a stream whose text must be rewritten; it continues as an edited message."""
        try:
            await self._slack.call(
                "chat.stopStream", channel=self._channel, ts=part.ts, priority=Priority.URGENT
            )
        except SlackRateLimited:
            raise
        except SlackError as exc:
            if exc.error not in STREAM_ENDED:
                raise
        part.mode = "update"
        part.digest = ""
