"""In-memory state of the emulator: workers, their turns, files, usage and schedules.

Plain dataclasses, mutated only by ``engine`` (turns) and ``scheduler`` (schedules); the
routes read them and ``wire`` renders them. Tests reach them through ``Emulator.worker``.
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.devkit.emulator.ids import IdFactory
from bot.workers.models import Budget, ScheduleKind, WorkerStatus

TurnStatus = Literal["pending", "running", "completed", "failed"]
TurnOrigin = Literal["create", "continue", "schedule"]


@dataclass
class PublishedFile:
    path: str  # relative, may be nested ("exports/q3/report.csv")
    media_type: str
    data: bytes

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class SourceItem:
    id: str
    title: str
    url: str


@dataclass
class OutputItem:
    id: str
    text: str


@dataclass
class Usage:
    """Running totals over all turns of a worker (the ``usage`` and ``costs`` objects)."""

    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    duration_ms: int = 0
    model_cost_usd: float = 0.0
    sandbox_cost_usd: float = 0.0
    tool_cost_usd: float = 0.0
    internal_cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.reasoning_tokens

    @property
    def cost_usd(self) -> float:
        costs = (self.model_cost_usd, self.sandbox_cost_usd, self.tool_cost_usd)
        return sum(costs, self.internal_cost_usd)


@dataclass
class Turn:
    """One create, continue or scheduled run. ``chunks`` grows as deltas are produced."""

    number: int
    input: str
    budget: Budget
    output_id: str
    origin: TurnOrigin
    status: TurnStatus = "pending"
    chunks: list[str] = field(default_factory=list)
    final: WorkerState | None = None  # the worker as it was when this turn ended
    # Clock monotonic readings, for the benchmark's latencies (None until they happen).
    first_delta_at: float | None = None
    finished_at: float | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def done(self) -> bool:
        return self.final is not None

    @property
    def text_so_far(self) -> str:
        return "".join(self.chunks)

    def notify(self) -> None:
        """Wake every stream following this turn (each waits on the current event)."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_changed(self, within: float) -> bool:
        """Wait for the next change; False if none came ``within`` seconds."""
        event = self._changed  # captured before awaiting, so no change is missed
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            return False
        return True


@dataclass
class WorkerState:
    id: str
    created_at: int
    budget: Budget
    status: WorkerStatus = "pending"
    error: dict[str, Any] | None = None
    outputs: list[OutputItem] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    sources: list[SourceItem] = field(default_factory=list)
    files: dict[str, PublishedFile] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    metadata: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    active: Turn | None = None
    queued: deque[tuple[str, Budget]] = field(default_factory=deque)  # scheduled runs waiting

    @property
    def running(self) -> bool:
        return self.active is not None

    @property
    def output_text(self) -> str:
        return "\n\n".join(item.text for item in self.outputs)

    def frozen(self) -> WorkerState:
        """A copy that later turns do not change (for a turn's final snapshot)."""
        return WorkerState(
            id=self.id,
            created_at=self.created_at,
            budget=self.budget,
            status=self.status,
            error=copy.deepcopy(self.error),
            outputs=list(self.outputs),
            messages=list(self.messages),
            sources=list(self.sources),
            files=dict(self.files),
            usage=copy.copy(self.usage),
            metadata=dict(self.metadata),
        )


@dataclass
class ScheduleState:
    id: str
    worker_id: str
    kind: ScheduleKind
    input: str
    budget: Budget
    next_run_at: datetime  # timezone-aware UTC
    cron: str | None = None
    interval_seconds: int | None = None
    delay_in_seconds: int | None = None
    fired: int = 0

    @property
    def recurring(self) -> bool:
        return self.kind in ("cron", "interval")


@dataclass
class Store:
    ids: IdFactory
    workers: dict[str, WorkerState] = field(default_factory=dict)
    schedules: dict[str, ScheduleState] = field(default_factory=dict)
