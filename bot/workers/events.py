"""Typed events of a worker's update stream, and the tolerant decoder that makes them.

The stream (``GET /api/workers/{id}/stream``) carries, per the service's documentation,
worker snapshots and text deltas. What the decoder accepts is decided by each event's
``data``, not by its ``event:`` name:

- a JSON object with ``"object": "worker"`` that validates as ``Worker`` -> ``Snapshot``;
- a JSON object with a string ``delta`` -> ``Delta`` (its output id from ``outputId``,
  ``output_id`` or ``id``, when one of them is a string);
- anything else is skipped and counted in ``SkipCounts``, never raised: a newer server
  with new event kinds, or a garbled line, must not stop the output of a worker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from bot.workers.models import Worker
from bot.workers.sse import SSEMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SkipCounts:
    """What a stream held that was not an event of ours."""

    comments: int = 0  # ``: keep-alive`` lines and other SSE comments
    not_json: int = 0  # data that is not JSON at all
    unknown: int = 0  # JSON that is neither a snapshot nor a delta
    invalid_snapshots: int = 0  # ``"object": "worker"`` that failed validation

    @property
    def total(self) -> int:
        return self.comments + self.not_json + self.unknown + self.invalid_snapshots


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole worker as the server saw it at that moment."""

    worker: Worker


@dataclass(frozen=True, slots=True)
class Delta:
    """Text appended to the output message ``output_id`` (None when the server omits it)."""

    text: str
    output_id: str | None = None


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """Always the last event. ``closed``: the server ended the stream; ``dropped``: reading
    failed mid-way. Either way, ``GET /api/workers/{id}`` is the truth afterwards."""

    reason: Literal["closed", "dropped"]
    skipped: SkipCounts = field(default_factory=SkipCounts)


StreamEvent = Snapshot | Delta | StreamEnd


class EventDecoder:
    """Turns ``SSEMessage`` objects into ``Snapshot``/``Delta``, counting what it skips."""

    def __init__(self) -> None:
        self._not_json = 0
        self._unknown = 0
        self._invalid_snapshots = 0

    def counts(self, comments: int = 0) -> SkipCounts:
        """The counts so far; ``comments`` comes from the SSE parser, which sees them."""
        return SkipCounts(
            comments=comments,
            not_json=self._not_json,
            unknown=self._unknown,
            invalid_snapshots=self._invalid_snapshots,
        )

    def decode(self, message: SSEMessage) -> Snapshot | Delta | None:
        try:
            payload: Any = json.loads(message.data)
        except ValueError:  # JSONDecodeError, and UnicodeDecodeError from odd input
            self._not_json += 1
            return None
        if not isinstance(payload, dict):
            self._unknown += 1
            return None
        if payload.get("object") == "worker":
            try:
                return Snapshot(Worker.model_validate(payload))
            except ValidationError as exc:
                self._invalid_snapshots += 1
                # Field locations only: the input may hold user text.
                logger.warning(
                    "skipped a worker snapshot that failed validation at %s",
                    ", ".join(".".join(map(str, err["loc"])) for err in exc.errors()[:5]),
                    extra={"worker": _worker_id(payload)},
                )
                return None
        delta = payload.get("delta")
        if isinstance(delta, str):
            return Delta(delta, _output_id(payload))
        self._unknown += 1
        return None


def _output_id(payload: dict[str, Any]) -> str | None:
    for key in ("outputId", "output_id", "id"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _worker_id(payload: dict[str, Any]) -> str | None:
    value = payload.get("id")
    return value if isinstance(value, str) else None
