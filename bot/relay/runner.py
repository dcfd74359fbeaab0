"""Runs one turn from its API call to its footer, while holding the turn's lease.

``run_turn`` is called by the supervisor once it has claimed the turn's lease. It starts
(or resumes) the turn on the Workers API, follows the worker, keeps the thread up to date
through a ``ThreadWriter``, and ends with the footer, the files and the reactions. Every
step is recorded in the turn row, so a successor that takes the lease over after a crash
carries on from there and posts nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import (
    LeaseLost,
    SlackError,
    SlackRateLimited,
    SlackWorkersError,
    UserFacingError,
    WorkersApiError,
)
from bot.relay.context import RelayContext
from bot.relay.db import atomically
from bot.relay.follow import follow_turn
from bot.relay.slack_writer import SlackWriter
from bot.relay.thread_writer import Part, ThreadWriter
from bot.relay.turn_finish import RUNNING_REACTION, finish_turn, post_failure, react
from bot.relay.turn_start import start_turn
from bot.relay.turn_text import TurnText
from bot.render.turns import status_line
from storage import leases
from storage.models import ConversationLink, Turn

log = logging.getLogger(__name__)

STATUS_REFRESH_SECONDS = 10.0  # the elapsed-time line is rewritten at most this often
FIRST_STATUS_AFTER = 2.0  # a worker silent this long gets a "Working..." message


def _ids(turn: Turn) -> dict[str, str]:
    return {"team": turn.team_id, "channel": turn.channel_id, "turn": turn.id}


async def run_turn(ctx: RelayContext, turn_id: str) -> None:
    """Run the turn whose lease this process holds; release the lease at the end."""

    async def load(session: AsyncSession) -> tuple[Turn | None, ConversationLink | None]:
        turn = await session.get(Turn, turn_id)
        return turn, (await session.get(ConversationLink, turn.link_id) if turn else None)

    turn, link = await atomically(ctx.db, load)
    if turn is None or link is None:
        return
    slack = await ctx.slack.writer(turn.team_id)
    renewer = asyncio.create_task(_keep_lease(ctx, turn_id))
    try:
        await _run(ctx, slack, turn, link)
    except LeaseLost:
        log.warning("lost the lease of a running turn; another process has it", extra=_ids(turn))
        return
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError, LeaseLost):
            await renewer
    await atomically(
        ctx.db, lambda session: leases.release(session, turn_id=turn_id, owner=ctx.owner)
    )


async def _keep_lease(ctx: RelayContext, turn_id: str) -> None:
    while True:
        await ctx.clock.sleep(ctx.lease_ttl / 3)
        await atomically(
            ctx.db,
            lambda session: leases.renew(
                session, turn_id=turn_id, owner=ctx.owner, ttl=ctx.lease_ttl, now=ctx.clock.now()
            ),
        )


async def _run(ctx: RelayContext, slack: SlackWriter, turn: Turn, link: ConversationLink) -> None:
    writer = ThreadWriter(
        slack,
        channel=turn.channel_id,
        thread_ts=turn.thread_ts,
        user_id=turn.user_id,
        turn_id=turn.id,
        parts=[Part.model_validate(raw) for raw in turn.messages],
        native=ctx.native_streaming,
        persist=lambda parts: _save_parts(ctx, turn.id, parts),
    )
    # A decoration must not hold the turn up: under load reactions.add waits its turn
    # in the Tier 3 budget, so it is added in the background.
    reacting = asyncio.create_task(react(slack, turn, RUNNING_REACTION))
    try:
        await _relay(ctx, slack, turn, link, writer, reacting)
    finally:
        if not reacting.done():  # stopped mid-turn: whoever resumes adds it again
            reacting.cancel()


async def _relay(
    ctx: RelayContext,
    slack: SlackWriter,
    turn: Turn,
    link: ConversationLink,
    writer: ThreadWriter,
    reacting: asyncio.Task[None],
) -> None:
    try:
        started = await start_turn(ctx, turn, link)
    except (WorkersApiError, UserFacingError) as exc:
        log.warning("turn could not start: %s", type(exc).__name__, extra=_ids(turn))
        await post_failure(ctx, slack, writer, turn, exc, reacting=reacting)
        return

    text = TurnText(known_ids=started.known_ids)
    began = turn.started_at or ctx.clock.now()
    changed = asyncio.Event()
    follower = asyncio.create_task(
        follow_turn(ctx.workers, started.worker_id, text, ctx.clock, on_change=changed.set)
    )
    try:
        waiting_since = ctx.clock.monotonic()
        while not follower.done():
            # Before anything is shown, wait briefly for text: the first message then
            # carries it (one call instead of a status post and an edit); a worker that
            # stays silent gets a status line after FIRST_STATUS_AFTER seconds.
            shown = bool(writer.parts)
            timeout = STATUS_REFRESH_SECONDS if shown else FIRST_STATUS_AFTER
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=timeout)
            changed.clear()
            if follower.done():
                break
            silent = ctx.clock.monotonic() - waiting_since >= FIRST_STATUS_AFTER
            if shown or text.text or silent:
                await _sync_quietly(ctx, writer, text.text, _elapsed(ctx, began), turn)
        worker = await follower
    except WorkersApiError as exc:
        log.warning("lost the worker: %s", type(exc).__name__, extra=_ids(turn))
        await post_failure(ctx, slack, writer, turn, exc, partial=text.text, reacting=reacting)
        return
    finally:
        if not follower.done():
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError, SlackWorkersError):
                await follower
    await finish_turn(
        ctx,
        slack,
        writer,
        turn,
        worker,
        started.baseline,
        text.text,
        _elapsed(ctx, began),
        reacting=reacting,
    )


def _elapsed(ctx: RelayContext, began: datetime) -> float:
    return max(0.0, (ctx.clock.now() - began).total_seconds())


async def _sync_quietly(
    ctx: RelayContext, writer: ThreadWriter, text: str, elapsed: float, turn: Turn
) -> None:
    """A progressive write; Slack trouble here only delays it (the final write is strict)."""
    try:
        await writer.sync(text, status=status_line(elapsed))
    except SlackRateLimited as exc:
        await ctx.clock.sleep(exc.retry_after)
    except SlackError as exc:
        # Not fatal: the text is kept and the next write (at the latest the final one,
        # which is strict) carries it.
        log.warning("progress write failed: %s", exc.error, extra=_ids(turn))


async def _save_parts(ctx: RelayContext, turn_id: str, parts: list[Part]) -> None:
    async def save(session: AsyncSession) -> None:
        row = await session.get(Turn, turn_id)
        if row is not None:
            row.messages = [part.model_dump() for part in parts]
            last = parts[-1] if parts else None
            row.posted_chars = (last.end or last.start + last.streamed) if last else 0

    await atomically(ctx.db, save)
