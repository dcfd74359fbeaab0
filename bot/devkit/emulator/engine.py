"""Worker lifecycle: start turns, run the simulated agent, finish them.

A worker is ``pending`` from the moment a turn is accepted until the agent starts,
``running`` while deltas are produced, and ``completed`` when the turn ends (also when
it failed: then ``error`` is set until the next turn starts, and no output item is
added). ``running`` (the bool) is true while any turn is active. Output items, sources,
files and usage accumulate over turns. Scheduled runs that find the worker busy wait in
a queue and start right after the active turn ends; a continue while busy is refused
with 409.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from bot.clock import Clock
from bot.devkit.emulator.agent import TurnPlan, plan_turn
from bot.devkit.emulator.problems import conflict
from bot.devkit.emulator.state import (
    OutputItem,
    PublishedFile,
    SourceItem,
    Store,
    Turn,
    TurnOrigin,
    WorkerState,
)
from bot.workers.models import Budget

logger = logging.getLogger(__name__)

# USD per 1,000 tokens by budget: a bigger budget buys a pricier model.
_TOKEN_PRICE = {"low": 0.0005, "standard": 0.002, "high": 0.008, "unlimited": 0.015}


class WorkerEngine:
    def __init__(self, store: Store, clock: Clock, pace: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        self._pace = pace
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.closed = False

    def create(self, text: str, budget: Budget) -> WorkerState:
        worker = WorkerState(
            id=self._store.ids.new("wrk"),
            created_at=int(self._clock.now().timestamp()),
            budget=budget,
            metadata={"budget": budget},
        )
        self._store.workers[worker.id] = worker
        self._start(worker, text, budget, "create")
        logger.info("worker created", extra={"worker": worker.id})
        return worker

    def continue_(self, worker: WorkerState, text: str, budget: Budget | None) -> Turn:
        if worker.active is not None:
            raise conflict(
                f"Worker {worker.id} is still running; wait for the current turn to finish"
            )
        return self._start(worker, text, budget or worker.budget, "continue")

    def enqueue(self, worker: WorkerState, text: str, budget: Budget) -> None:
        """A scheduled run: start now, or right after the active turn."""
        if worker.active is None:
            self._start(worker, text, budget, "schedule")
        else:
            worker.queued.append((text, budget))

    def _start(self, worker: WorkerState, text: str, budget: Budget, origin: TurnOrigin) -> Turn:
        turn = Turn(
            number=len(worker.turns) + 1,
            input=text,
            budget=budget,
            output_id=self._store.ids.new("msg"),
            origin=origin,
        )
        worker.turns.append(turn)
        worker.active = turn
        worker.status = "pending"
        worker.error = None
        worker.messages.append({"role": "user", "content": text})
        plan = plan_turn(text, turn_number=turn.number, default_pace=self._pace())
        self._idle.clear()
        task = asyncio.create_task(self._run(worker, turn, plan), name=f"turn-{worker.id}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return turn

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("turn task crashed", exc_info=task.exception())

    async def _run(self, worker: WorkerState, turn: Turn, plan: TurnPlan) -> None:
        started = time.monotonic()
        await asyncio.sleep(0)  # let the create/continue answer show "pending" first
        worker.status = turn.status = "running"
        turn.notify()
        for chunk in plan.chunks:
            await self._clock.sleep(plan.pace)
            turn.chunks.append(chunk)
            if turn.first_delta_at is None:
                turn.first_delta_at = self._clock.monotonic()
            turn.notify()
        elapsed_ms = int((time.monotonic() - started) * 1000)
        self._finish(worker, turn, plan, elapsed_ms)

    def _finish(self, worker: WorkerState, turn: Turn, plan: TurnPlan, elapsed_ms: int) -> None:
        produced = turn.text_so_far
        if plan.fail:
            turn.status = "failed"
            worker.error = {
                "message": "The worker failed (simulated by the emulator's `fail` knob)",
                "type": "worker_error",
            }
        else:
            turn.status = "completed"
            worker.outputs.append(OutputItem(id=turn.output_id, text=plan.text))
            worker.messages.append(
                {"id": turn.output_id, "role": "assistant", "content": plan.text}
            )
            for source in plan.sources:
                item = SourceItem(self._store.ids.new("src"), source.title, source.url)
                worker.sources.append(item)
            for file in plan.files:
                worker.files[file.path] = PublishedFile(file.path, file.media_type, file.data)
        self._account(worker, turn, plan, produced, elapsed_ms)
        worker.status = "completed"
        worker.active = None
        turn.final = worker.frozen()
        turn.finished_at = self._clock.monotonic()
        turn.notify()
        logger.info("turn finished", extra={"worker": worker.id, "turn": turn.number})
        if worker.queued and not self.closed:
            text, budget = worker.queued.popleft()
            self._start(worker, text, budget, "schedule")

    @staticmethod
    def _account(
        worker: WorkerState, turn: Turn, plan: TurnPlan, produced: str, elapsed_ms: int
    ) -> None:
        usage = worker.usage
        before = usage.total_tokens
        tokens_in = math.ceil(len(turn.input) / 4) + 120
        tokens_out = math.ceil(len(produced) / 4)
        steps = 1 if plan.fail else 2 + len(plan.files)
        usage.steps += steps
        usage.cache_read_tokens += before  # earlier turns are the cached context
        usage.cache_write_tokens += tokens_in
        usage.input_tokens += tokens_in
        usage.output_tokens += tokens_out
        usage.reasoning_tokens += tokens_out // 8
        usage.duration_ms += elapsed_ms
        price = _TOKEN_PRICE[turn.budget]
        new_tokens = usage.total_tokens - before
        usage.model_cost_usd = round(usage.model_cost_usd + new_tokens * price / 1000, 6)
        usage.sandbox_cost_usd = round(usage.sandbox_cost_usd + 0.0005 * steps, 6)
        usage.tool_cost_usd = round(usage.tool_cost_usd + 0.001 * len(plan.sources), 6)
        usage.internal_cost_usd = round(usage.internal_cost_usd + 0.0001, 6)

    async def wait_idle(self) -> None:
        """Until no turn is active or queued anywhere (wrap in ``asyncio.timeout``)."""
        while self._tasks:
            await self._idle.wait()
            await asyncio.sleep(0)

    async def close(self) -> None:
        """Stop every turn and wake every stream so that the server can shut down."""
        self.closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for worker in self._store.workers.values():
            if worker.active is not None:
                worker.active.notify()
