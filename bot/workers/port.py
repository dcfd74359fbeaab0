"""The port through which the bot talks to the Workers API.

The rest of the bot (conversations, relay, schedules) depends on this protocol only;
``bot.workers.client.WorkersClient`` is the HTTP adapter, and tests may plug in anything
that satisfies it. Every method raises only ``bot.errors.WorkersApiError`` subclasses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from bot.workers.events import StreamEvent
from bot.workers.models import Budget, CreateSchedule, Schedule, Worker


class WorkersPort(Protocol):
    async def create(self, input: str, *, budget: Budget | None = None) -> Worker:
        """Start a worker on ``input`` (``POST /api/workers``)."""
        ...

    async def retrieve(self, worker_id: str) -> Worker:
        """The worker as it is now; the truth after a stream ends or breaks."""
        ...

    async def continue_(
        self, worker_id: str, input: str, *, budget: Budget | None = None
    ) -> Worker:
        """Start the next turn of ``worker_id`` with ``input``."""
        ...

    def stream(self, worker_id: str) -> AsyncIterator[StreamEvent]:
        """``Snapshot``/``Delta`` events, then exactly one ``StreamEnd``.

        Errors on opening (401, 404, 5xx after retries) raise; once open, a broken
        connection is ``StreamEnd("dropped")``, never an exception.
        """
        ...

    async def email_address(self, worker_id: str) -> str:
        """The worker's inbound email address."""
        ...

    async def download_file(self, url_or_path: str, *, max_bytes: int) -> bytes:
        """A worker's file (``Worker.files[].url``); ``WorkersFileTooLarge`` past ``max_bytes``."""
        ...

    async def list_schedules(self, worker_id: str) -> list[Schedule]: ...

    async def create_schedule(self, worker_id: str, body: CreateSchedule) -> Schedule: ...

    async def cancel_schedule(self, worker_id: str, schedule_id: str) -> bool:
        """True when the server cancelled it."""
        ...
