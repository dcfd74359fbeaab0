"""Pydantic models of the Workers API, mirroring ``workers-api.txt`` wire names exactly.

Python names are snake_case; ``alias`` is the name on the wire. Unknown extra fields are
tolerated (kept, not rejected) so that a newer server does not break us. Dump with
``model.wire()`` to get the JSON the server speaks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Budget = Literal["low", "standard", "high", "unlimited"]
WorkerStatus = Literal["pending", "running", "completed"]
ScheduleKind = Literal["scheduled", "delayed", "cron", "interval"]


class WireModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    def wire(self) -> dict[str, Any]:
        """The JSON object as the Workers API writes it."""
        return self.model_dump(by_alias=True, mode="json", exclude_none=False)


class WorkerFile(WireModel):
    filename: str | None = None
    media_type: str = Field(alias="mediaType")
    url: str


class OutputContent(WireModel):
    text: str
    type: str = "output_text"


class WorkerOutput(WireModel):
    id: str
    content: list[OutputContent] = Field(default_factory=list)
    role: str = "assistant"
    status: str = "completed"
    type: str = "message"

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.content)


class WorkerSource(WireModel):
    id: str
    title: str | None = None
    type: str = "url"
    url: str


class WorkerCosts(WireModel):
    internal_cost_usd: float = Field(default=0.0, ge=0, alias="internalCostUsd")
    model_cost_usd: float = Field(default=0.0, ge=0, alias="modelCostUsd")
    sandbox_cost_usd: float = Field(default=0.0, ge=0, alias="sandboxCostUsd")
    tool_cost_usd: float = Field(default=0.0, ge=0, alias="toolCostUsd")

    @property
    def total_usd(self) -> float:
        return (
            self.internal_cost_usd
            + self.model_cost_usd
            + self.sandbox_cost_usd
            + self.tool_cost_usd
        )


class WorkerUsage(WireModel):
    cache_read_tokens: int = Field(default=0, ge=0, alias="cacheReadTokens")
    cache_write_tokens: int = Field(default=0, ge=0, alias="cacheWriteTokens")
    cost_usd: float = Field(default=0.0, ge=0, alias="costUsd")
    input_tokens: int = Field(default=0, ge=0, alias="inputTokens")
    output_tokens: int = Field(default=0, ge=0, alias="outputTokens")
    reasoning_tokens: int = Field(default=0, ge=0, alias="reasoningTokens")
    steps: int = Field(default=0, ge=0)
    total_tokens: int = Field(default=0, ge=0, alias="totalTokens")
    credits: int | None = Field(default=None, ge=0)
    duration_ms: int | None = Field(default=None, ge=0, alias="durationMs")


class Worker(WireModel):
    """A worker snapshot (``"object": "worker"``)."""

    id: str
    created_at: int | None = None
    error: Any = None
    files: list[WorkerFile] = Field(default_factory=list)
    incomplete_details: Any = None
    messages: list[Any] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    object: Literal["worker"] = "worker"
    output: list[WorkerOutput] = Field(default_factory=list)
    output_text: str = ""
    running: bool = False
    sources: list[WorkerSource] = Field(default_factory=list)
    status: WorkerStatus = "pending"
    costs: WorkerCosts | None = None
    usage: WorkerUsage | None = None

    @property
    def finished(self) -> bool:
        return self.status == "completed" and not self.running

    @property
    def failed(self) -> bool:
        return self.error is not None


class CreateWorker(WireModel):
    """Body of ``POST /api/workers`` and ``POST /api/workers/{id}`` (continue)."""

    input: str = Field(min_length=1)
    budget: Budget | None = None
    stream: bool | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


# --- schedules -------------------------------------------------------------------------


class ScheduledWhen(WireModel):
    type: Literal["scheduled"] = "scheduled"
    date: datetime


class DelayedWhen(WireModel):
    type: Literal["delayed"] = "delayed"
    delay_in_seconds: int = Field(alias="delayInSeconds")


class CronWhen(WireModel):
    type: Literal["cron"] = "cron"
    cron: str


class IntervalWhen(WireModel):
    type: Literal["interval"] = "interval"
    interval_seconds: int = Field(alias="intervalSeconds")


When = Annotated[ScheduledWhen | DelayedWhen | CronWhen | IntervalWhen, Field(discriminator="type")]


class CreateSchedule(WireModel):
    """Body of ``POST /api/workers/{id}/schedules``."""

    input: str = Field(min_length=1)
    when: When
    budget: Budget | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


class _ScheduleBase(WireModel):
    id: str
    budget: Budget
    input: str
    next_run_at: datetime = Field(alias="nextRunAt")


class ScheduledSchedule(_ScheduleBase):
    type: Literal["scheduled"] = "scheduled"


class DelayedSchedule(_ScheduleBase):
    type: Literal["delayed"] = "delayed"
    delay_in_seconds: int = Field(alias="delayInSeconds")


class CronSchedule(_ScheduleBase):
    type: Literal["cron"] = "cron"
    cron: str


class IntervalSchedule(_ScheduleBase):
    type: Literal["interval"] = "interval"
    interval_seconds: int = Field(alias="intervalSeconds")


Schedule = Annotated[
    ScheduledSchedule | DelayedSchedule | CronSchedule | IntervalSchedule,
    Field(discriminator="type"),
]
SCHEDULE_ADAPTER: TypeAdapter[Schedule] = TypeAdapter(Schedule)


class ScheduleList(WireModel):
    schedules: list[Schedule] = Field(default_factory=list)
    worker_id: str = Field(alias="workerId")


class ScheduleCancelled(WireModel):
    cancelled: bool
