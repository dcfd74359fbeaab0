"""A turn's own share of a worker: usage, costs, sources and files since it began (pure).

A worker's ``usage`` and ``costs`` are running totals and its ``sources`` and ``files``
accumulate over turns; the footer of a turn shows only what that turn added. The
``Baseline`` is taken from the worker just before the turn's API call and stored with
the turn, so a resumed turn computes the same share.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from bot.workers.models import Worker, WorkerCosts, WorkerUsage

_USAGE_FIELDS = tuple(WorkerUsage.model_fields)
_COST_FIELDS = tuple(WorkerCosts.model_fields)


class Baseline(BaseModel):
    usage: WorkerUsage | None = None
    costs: WorkerCosts | None = None
    source_urls: list[str] = Field(default_factory=list)
    file_urls: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, worker: Worker | None) -> Baseline:
        if worker is None:
            return cls()
        return cls(
            usage=worker.usage,
            costs=worker.costs,
            source_urls=[source.url for source in worker.sources],
            file_urls=[file.url for file in worker.files],
        )


def _minus(now: BaseModel, before: BaseModel | None, fields: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        current = getattr(now, name)
        earlier = getattr(before, name, None) if before is not None else None
        if isinstance(current, int | float) and isinstance(earlier, int | float):
            values[name] = max(type(current)(0), current - earlier)
        else:
            values[name] = current
    return values


def turn_share(worker: Worker, baseline: Baseline | None) -> Worker:
    """``worker`` as far as this turn is concerned."""
    if baseline is None:
        return worker
    usage = (
        WorkerUsage.model_validate(_minus(worker.usage, baseline.usage, _USAGE_FIELDS))
        if worker.usage is not None
        else None
    )
    costs = (
        WorkerCosts.model_validate(_minus(worker.costs, baseline.costs, _COST_FIELDS))
        if worker.costs is not None
        else None
    )
    known_sources, known_files = set(baseline.source_urls), set(baseline.file_urls)
    return worker.model_copy(
        update={
            "usage": usage,
            "costs": costs,
            "sources": [s for s in worker.sources if s.url not in known_sources],
            "files": [f for f in worker.files if f.url not in known_files],
        }
    )
