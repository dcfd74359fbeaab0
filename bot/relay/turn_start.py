"""Starting a turn on the Workers API exactly once.

A create or continue is a POST that starts paid work, so it is never repeated blindly.
The turn row moves ``queued -> starting`` (committed) before the call and ``starting ->
running`` with the worker id after it. A process that dies in between leaves a
``starting`` row; whoever resumes it checks the worker before deciding:

* a continue whose worker now runs, or has output the turn did not know, went through:
  the turn carries on as running;
* a continue whose worker shows nothing new did not: it is sent again (not blindly --
  we looked);
* a create that never returned a worker id cannot be checked (the API has no
  idempotency key): the turn fails with a message asking the user to send it again,
  rather than risk two workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserFacingError
from bot.relay.context import RelayContext
from bot.relay.db import atomically
from bot.relay.turn_share import Baseline
from bot.workers.models import Budget, Worker
from storage.models import ConversationLink, Turn
from storage.repositories import turns

UNCONFIRMED = (
    "This request may not have reached the worker before the bot restarted, so it was "
    "not sent twice. Please send it again."
)


@dataclass(frozen=True)
class Started:
    worker_id: str
    known_ids: frozenset[str]
    baseline: Baseline


def _baseline(turn: Turn) -> Baseline:
    return Baseline.model_validate(turn.baseline) if turn.baseline else Baseline()


def _budget(value: str) -> Budget | None:
    return value if value in ("low", "standard", "high", "unlimited") else None  # type: ignore[return-value]


async def start_turn(ctx: RelayContext, turn: Turn, link: ConversationLink) -> Started:
    """Make the turn's API call (or recognise that it was made); return what follows it."""
    if turn.status == "running" and turn.worker_id:
        return Started(turn.worker_id, frozenset(turn.known_output_ids), _baseline(turn))
    resumed = turn.status == "starting"
    if link.worker_id is None:
        if resumed:
            raise UserFacingError(UNCONFIRMED)
        await _set(ctx, turn.id, status="starting")
        worker = await ctx.workers.create(turn.input, budget=_budget(turn.budget))
        await _record_worker(ctx, turn, link, worker.id, frozenset())
        return Started(worker.id, frozenset(), Baseline())

    worker_id = link.worker_id
    if resumed:
        known = frozenset(turn.known_output_ids)
        now = await ctx.workers.retrieve(worker_id)
        if now.running or any(item.id not in known for item in now.output):
            await _record_worker(ctx, turn, link, worker_id, known)
            return Started(worker_id, known, _baseline(turn))
    before = await _wait_idle(ctx, worker_id)
    known = frozenset(item.id for item in before.output)
    baseline = Baseline.of(before)
    await _set(
        ctx,
        turn.id,
        status="starting",
        known_output_ids=sorted(known),
        baseline=baseline.model_dump(mode="json"),
    )
    await ctx.workers.continue_(worker_id, turn.input, budget=_budget(turn.budget))
    await _record_worker(ctx, turn, link, worker_id, known)
    return Started(worker_id, known, baseline)


async def _wait_idle(ctx: RelayContext, worker_id: str) -> Worker:
    """The worker once it is not running (a scheduled run may be using it)."""
    delay = 1.0
    while True:
        worker = await ctx.workers.retrieve(worker_id)
        if not worker.running and worker.status != "running":
            return worker
        await ctx.clock.sleep(delay)
        delay = min(delay * 2, 15.0)


async def _set(ctx: RelayContext, turn_id: str, **fields: object) -> None:
    async def update(session: AsyncSession) -> None:
        row = await turns.get_turn(session, turn_id=turn_id)
        if row is None:
            raise LookupError(turn_id)
        await turns.update_turn(session, row, **fields)

    await atomically(ctx.db, update)


async def _record_worker(
    ctx: RelayContext, turn: Turn, link: ConversationLink, worker_id: str, known: frozenset[str]
) -> None:
    async def update(session: AsyncSession) -> None:
        row = await session.get(Turn, turn.id)
        link_row = await session.get(ConversationLink, link.id)
        if row is None or link_row is None:
            raise LookupError(turn.id)
        row.worker_id = worker_id
        row.known_output_ids = sorted(known)
        row.status = "running"
        row.started_at = ctx.clock.now()
        if link_row.worker_id is None:
            link_row.worker_id = worker_id

    await atomically(ctx.db, update)
    turn.worker_id = worker_id
    turn.status = "running"
    link.worker_id = worker_id
