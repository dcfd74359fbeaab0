"""Render emulator state as the Workers API's JSON (wire names as in ``workers-api.txt``).

Snapshots follow the official SDK's strict models: ``created_at`` and ``output_text`` in
snake_case, costs and usage in camelCase, ``files[].mediaType``, output items with
``type: "message"``, ``role: "assistant"``, ``status: "completed"`` and content parts
of ``type: "output_text"``. Only completed turns appear in ``output``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.devkit.emulator.state import ScheduleState, WorkerState


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as JavaScript's ``toISOString``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_url(base: str, worker_id: str, path: str) -> str:
    return f"{base}/api/workers/{worker_id}/files/{quote(path, safe='/')}"


def render_worker(worker: WorkerState, base: str) -> dict[str, Any]:
    usage = worker.usage
    return {
        "id": worker.id,
        "object": "worker",
        "created_at": worker.created_at,
        "status": worker.status,
        "running": worker.running,
        "error": worker.error,
        "incomplete_details": None,
        "output": [
            {
                "id": item.id,
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": item.text}],
            }
            for item in worker.outputs
        ],
        "output_text": worker.output_text,
        "messages": list(worker.messages),
        "sources": [
            {"id": s.id, "type": "url", "title": s.title, "url": s.url} for s in worker.sources
        ],
        "files": [
            {
                "filename": f.filename,
                "mediaType": f.media_type,
                "url": file_url(base, worker.id, f.path),
            }
            for f in worker.files.values()
        ],
        "metadata": dict(worker.metadata),
        "costs": {
            "internalCostUsd": usage.internal_cost_usd,
            "modelCostUsd": usage.model_cost_usd,
            "sandboxCostUsd": usage.sandbox_cost_usd,
            "toolCostUsd": usage.tool_cost_usd,
        },
        "usage": {
            "cacheReadTokens": usage.cache_read_tokens,
            "cacheWriteTokens": usage.cache_write_tokens,
            "costUsd": round(usage.cost_usd, 6),
            "inputTokens": usage.input_tokens,
            "outputTokens": usage.output_tokens,
            "reasoningTokens": usage.reasoning_tokens,
            "steps": usage.steps,
            "totalTokens": usage.total_tokens,
            "credits": round(usage.cost_usd * 1000),
            "durationMs": usage.duration_ms,
        },
    }


def render_schedule(schedule: ScheduleState) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": schedule.id,
        "type": schedule.kind,
        "input": schedule.input,
        "budget": schedule.budget,
        "nextRunAt": iso(schedule.next_run_at),
    }
    if schedule.kind == "cron":
        body["cron"] = schedule.cron
    elif schedule.kind == "interval":
        body["intervalSeconds"] = schedule.interval_seconds
    elif schedule.kind == "delayed":
        body["delayInSeconds"] = schedule.delay_in_seconds
    return body
