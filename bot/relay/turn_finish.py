"""The end of a turn: final text and footer, files, reactions, the row's final state.

Each step is recorded before the next, so a successor resuming after a crash skips what
was done: the final write reconciles (unchanged messages are not rewritten), uploaded
files are listed in ``files_posted``, the footer in ``footer_posted``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import (
    SlackError,
    SlackRateLimited,
    SlackWorkersError,
    WorkersApiError,
    WorkersFileTooLarge,
)
from bot.relay.budget import Priority
from bot.relay.context import RelayContext
from bot.relay.db import atomically
from bot.relay.slack_writer import SlackWriter
from bot.relay.thread_writer import ThreadWriter
from bot.relay.turn_share import Baseline, turn_share
from bot.render.errors import user_message
from bot.render.files import file_link_blocks
from bot.render.turns import footer_blocks
from bot.slack.payloads import WorkerRef
from bot.workers.models import Worker
from storage.models import Turn
from storage.repositories import turns

log = logging.getLogger(__name__)

RUNNING_REACTION = "hourglass_flowing_sand"
DONE_REACTION = {"completed": "white_check_mark", "failed": "x"}


def _ids(turn: Turn) -> dict[str, str]:
    return {"team": turn.team_id, "channel": turn.channel_id, "turn": turn.id}


async def react(slack: SlackWriter, turn: Turn, name: str, *, remove: bool = False) -> None:
    """Reactions are decoration: a failure is logged, never fatal."""
    if not turn.trigger_ts:
        return
    method = "reactions.remove" if remove else "reactions.add"
    try:
        await slack.call(
            method,
            priority=Priority.LOW,
            channel=turn.channel_id,
            timestamp=turn.trigger_ts,
            name=name,
        )
    except SlackError as exc:
        if exc.error not in ("already_reacted", "no_reaction"):
            log.info("reaction failed: %s", exc.error, extra=_ids(turn))


async def finish_turn(
    ctx: RelayContext,
    slack: SlackWriter,
    writer: ThreadWriter,
    turn: Turn,
    whole: Worker,
    baseline: Baseline,
    text: str,
    elapsed: float,
    *,
    reacting: asyncio.Task[None] | None = None,
) -> None:
    worker = turn_share(whole, baseline)  # this turn's own usage, costs, sources, files
    outcome: Literal["completed", "failed"] = "failed" if worker.error is not None else "completed"
    error = _error_text(worker.error) if outcome == "failed" else None
    footer = footer_blocks(
        outcome=outcome,
        elapsed_s=elapsed,
        worker=worker,
        ref=WorkerRef(link_id=turn.link_id, worker_id=worker.id),
        error=error,
    )
    shown = text or ("_The worker finished without output._" if outcome == "completed" else "")
    try:
        await _finish_patiently(ctx, writer, shown or f"_The worker failed: {error}_", footer)
    except SlackError as exc:
        log.error("final write failed: %s", exc.error, extra=_ids(turn))
        await _end(
            ctx,
            slack,
            turn,
            "failed",
            error=f"slack: {exc.error}",
            worker=worker,
            reacting=reacting,
        )
        return
    await _mark(ctx, turn.id, footer_posted=True)
    await _upload_files(ctx, slack, turn, worker)
    await _mark(ctx, turn.id, totals_after=Baseline.of(whole).model_dump(mode="json"))
    await _end(ctx, slack, turn, outcome, error=error, worker=worker, reacting=reacting)


async def _finish_patiently(
    ctx: RelayContext, writer: ThreadWriter, text: str, footer: list[dict[str, Any]]
) -> None:
    """The final write waits out Slack's rate limits however long they last: the output
    must arrive. (Each retry rewrites only what differs, so nothing shows twice.)"""
    while True:
        try:
            await writer.finish(text, footer=footer)
            return
        except SlackRateLimited as exc:
            await ctx.clock.sleep(exc.retry_after)


async def post_failure(
    ctx: RelayContext,
    slack: SlackWriter,
    writer: ThreadWriter,
    turn: Turn,
    exc: SlackWorkersError,
    *,
    partial: str = "",
    reacting: asyncio.Task[None] | None = None,
) -> None:
    """Say in the thread what failed and what to do; keep any output already shown."""
    message = user_message(exc)
    text = f"{partial}\n\n---\n_{message}_" if partial else f"_{message}_"
    try:
        await _finish_patiently(ctx, writer, text, [])
    except SlackError as error:
        log.error("could not report a failure: %s", error.error, extra=_ids(turn))
    await _end(ctx, slack, turn, "failed", error=message, worker=None, reacting=reacting)


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        message = error.get("message") or error.get("error")
        if isinstance(message, str):
            return message[:500]
    if isinstance(error, str):
        return error[:500]
    return "the worker reported an error"


async def _upload_files(ctx: RelayContext, slack: SlackWriter, turn: Turn, worker: Worker) -> None:
    done = set(turn.files_posted)
    for file in worker.files:  # this turn's files only (see turn_share)
        if file.url in done:
            continue
        name = file.filename or file.url.rsplit("/", 1)[-1] or "file"
        try:
            content = await ctx.workers.download_file(file.url, max_bytes=ctx.max_file_bytes)
            await slack.upload_file(
                channel=turn.channel_id,
                thread_ts=turn.thread_ts,
                filename=name,
                content=content,
                title=name,
            )
        except WorkersFileTooLarge:
            await slack.call(
                "chat.postMessage",
                channel=turn.channel_id,
                thread_ts=turn.thread_ts,
                text=f"{name} is larger than {ctx.max_file_bytes // (1024 * 1024)} MB",
                blocks=file_link_blocks(name, file.url, ctx.max_file_bytes),
                priority=Priority.NORMAL,
            )
        except (WorkersApiError, SlackError) as exc:
            log.warning("file not uploaded: %s", type(exc).__name__, extra=_ids(turn))
            continue
        done.add(file.url)
        await _mark(ctx, turn.id, files_posted=sorted(done))


async def _mark(ctx: RelayContext, turn_id: str, **fields: object) -> None:
    async def update(session: AsyncSession) -> None:
        row = await turns.get_turn(session, turn_id=turn_id)
        if row is not None:
            await turns.update_turn(session, row, **fields)

    await atomically(ctx.db, update)


async def _end(
    ctx: RelayContext,
    slack: SlackWriter,
    turn: Turn,
    outcome: Literal["completed", "failed"],
    *,
    error: str | None,
    worker: Worker | None,
    reacting: asyncio.Task[None] | None,
) -> None:
    cost = None
    if worker is not None and worker.costs is not None:
        cost = worker.costs.total_usd
    elif worker is not None and worker.usage is not None:
        cost = worker.usage.cost_usd
    await _mark(
        ctx,
        turn.id,
        status="done" if outcome == "completed" else "failed",
        error=error,
        finished_at=ctx.clock.now(),
        cost_usd=cost,
    )
    # Decoration last, after the row says the turn is over: the running reaction (added
    # in the background when the turn began) must be on before it can come off.
    if reacting is not None:
        await reacting
    await react(slack, turn, RUNNING_REACTION, remove=True)
    await react(slack, turn, DONE_REACTION[outcome])
