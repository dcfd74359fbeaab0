"""Owns the running turns of this process: claims, runs, recovers and hands them back.

* ``submit(turn_id)``: claim the turn's lease and run it (a turn whose conversation
  already has an earlier unfinished turn waits: replies run in order, one at a time).
* A recovery loop claims unfinished turns whose lease expired -- left by a process
  that died -- so every thread ends with its whole output, once.
* ``stop()``: cancel the runs and release their leases, so that another process (or the
  next start) resumes them at once instead of after the lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import SlackWorkersError
from bot.relay.context import RelayContext
from bot.relay.db import atomically
from bot.relay.runner import run_turn
from storage import leases
from storage.models import Turn
from storage.repositories import events, turns
from storage.types import UNFINISHED_TURN

log = logging.getLogger(__name__)

RECOVER_EVERY_SECONDS = 10.0
RECOVER_BATCH = 20
PRUNE_EVERY_ROUNDS = 30  # about every five minutes


class Supervisor:
    def __init__(self, ctx: RelayContext) -> None:
        self._ctx = ctx
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._recovery: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> int:
        return len(self._tasks)

    def start(self) -> None:
        self._recovery = asyncio.create_task(self._recover_forever())

    async def submit(self, turn_id: str) -> None:
        """Claim and run ``turn_id`` now, unless it must wait for an earlier turn."""
        if self._stopping or turn_id in self._tasks:
            return

        async def claim(session: AsyncSession) -> Turn | None:
            if await self._waits_for_earlier(session, turn_id):
                return None
            return await leases.claim(
                session,
                turn_id=turn_id,
                owner=self._ctx.owner,
                ttl=self._ctx.lease_ttl,
                now=self._ctx.clock.now(),
            )

        if await atomically(self._ctx.db, claim) is not None:
            self._spawn(turn_id)

    async def recover_once(self) -> int:
        """Claim turns whose lease expired and run them; how many were taken."""

        async def sweep(session: AsyncSession) -> list[str]:
            claimed = await leases.claim_expired_turns(
                session,
                owner=self._ctx.owner,
                ttl=self._ctx.lease_ttl,
                now=self._ctx.clock.now(),
                limit=RECOVER_BATCH,
            )
            ready = []
            for turn in claimed:
                if await self._waits_for_earlier(session, turn.id):
                    await leases.release(session, turn_id=turn.id, owner=self._ctx.owner)
                else:
                    ready.append(turn.id)
            return ready

        ready = await atomically(self._ctx.db, sweep)
        for turn_id in ready:
            if turn_id not in self._tasks:
                log.info("resuming a turn", extra={"turn": turn_id})
                self._spawn(turn_id)
        return len(ready)

    async def stop(self) -> None:
        self._stopping = True
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        tasks = list(self._tasks.items())
        for _, task in tasks:
            task.cancel()
        for turn_id, task in tasks:
            with contextlib.suppress(asyncio.CancelledError, SlackWorkersError):
                await task
            await self._release(turn_id)

    async def _release(self, turn_id: str) -> None:
        await atomically(
            self._ctx.db,
            lambda session: leases.release(session, turn_id=turn_id, owner=self._ctx.owner),
        )

    async def drain(self) -> None:
        """Wait until no turn runs here (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _spawn(self, turn_id: str) -> None:
        task = asyncio.create_task(self._drive(turn_id), name=f"turn-{turn_id}")
        self._tasks[turn_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(turn_id, None))

    async def _drive(self, turn_id: str) -> None:
        try:
            await run_turn(self._ctx, turn_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Logged, not swallowed: the lease expires and recovery retries the turn.
            log.exception("turn run crashed", extra={"turn": turn_id})
            return
        next_id = await self._next_queued(turn_id)
        if next_id is not None and not self._stopping:
            self._tasks.pop(turn_id, None)
            await self.submit(next_id)

    async def _next_queued(self, turn_id: str) -> str | None:
        async def query(session: AsyncSession) -> str | None:
            turn = await session.get(Turn, turn_id)
            if turn is None:
                return None
            queued = await turns.next_queued_turn(session, link_id=turn.link_id)
            return queued.id if queued else None

        return await atomically(self._ctx.db, query)

    @staticmethod
    async def _waits_for_earlier(session: AsyncSession, turn_id: str) -> bool:
        turn = await session.get(Turn, turn_id)
        if turn is None or turn.status not in UNFINISHED_TURN:
            return True
        if turn.status != "queued":
            return False  # a turn that started already is resumed, never held back
        return await turns.must_wait(session, turn=turn)

    async def _recover_forever(self) -> None:
        rounds = 0
        while True:
            try:
                await self.recover_once()
                if rounds % PRUNE_EVERY_ROUNDS == 0:
                    await self._prune_events()
            except SlackWorkersError:
                log.exception("turn recovery failed; trying again")
            rounds += 1
            await self._ctx.clock.sleep(RECOVER_EVERY_SECONDS)

    async def _prune_events(self) -> None:
        """Forget Slack event ids older than Slack's retry window (kept an hour)."""
        older_than = self._ctx.clock.now() - events.EVENT_RETENTION
        await atomically(
            self._ctx.db, lambda session: events.prune_events(session, older_than=older_than)
        )
