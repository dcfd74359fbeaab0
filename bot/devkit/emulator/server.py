"""The public face of the Workers API emulator: ``Emulator``, ``running_emulator``,
``serve_forever``.

Tests use ``running_emulator`` (a random free port by default) and then ``emulator.url``
as the Workers API base URL; ``slack-workers emulator --port N`` uses ``serve_forever``.
The behaviour on the wire is documented in ``sse`` (streams), ``engine`` (lifecycle),
``agent`` (the simulated output and its knobs), ``scheduler`` and ``faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.devkit.emulator.app import build_app
from bot.devkit.emulator.engine import WorkerEngine
from bot.devkit.emulator.faults import EmulatorFaults
from bot.devkit.emulator.ids import IdFactory
from bot.devkit.emulator.scheduler import Scheduler
from bot.devkit.emulator.state import ScheduleState, Store, WorkerState
from bot.devkit.emulator.wire import render_schedule, render_worker

logger = logging.getLogger(__name__)


class Emulator:
    """A Workers API emulator; ``start`` serves it, ``close`` stops it.

    Mutable at any time: ``pace`` (default seconds between deltas), ``keepalive``
    (seconds between keep-alive comments in a stream), ``faults`` (see ``faults``) and
    ``scheduler.tick`` (how often schedules are checked).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        pace: float = 0.05,
        seed: int = 0,
        keepalive: float = 10.0,
        schedule_tick: float = 0.1,
        clock: Clock | None = None,
    ) -> None:
        self.api_key = api_key
        self.pace = pace
        self.keepalive = keepalive
        self.clock: Clock = clock or SystemClock()
        self.faults = EmulatorFaults()
        self.request_log: list[tuple[str, str]] = []
        self.url = ""
        self.store = Store(ids=IdFactory(seed))
        self.engine = WorkerEngine(self.store, self.clock, lambda: self.pace)
        self.scheduler = Scheduler(self.store, self.engine, self.clock, schedule_tick)
        self._runner: web.AppRunner | None = None
        self._scheduler_task: asyncio.Task[None] | None = None

    def worker(self, worker_id: str) -> WorkerState:
        """The internal state of a worker, for assertions (KeyError if unknown)."""
        return self.store.workers[worker_id]

    @property
    def workers(self) -> dict[str, WorkerState]:
        return self.store.workers

    @property
    def schedules(self) -> dict[str, ScheduleState]:
        return self.store.schedules

    async def wait_idle(self) -> None:
        """Return once no turn is running or queued; wrap it in ``asyncio.timeout``."""
        await self.engine.wait_idle()

    def fire_schedule(self, schedule_id: str) -> None:
        """Run a schedule now, as if it were due (KeyError if unknown)."""
        self.scheduler.fire(self.store.schedules[schedule_id])

    def describe(self, base: str | None = None) -> dict[str, Any]:
        """The JSON of ``GET /_emulator/state``."""
        return {
            "url": self.url,
            "workers": [render_worker(w, base or self.url) for w in self.store.workers.values()],
            "schedules": [
                {**render_schedule(s), "workerId": s.worker_id, "fired": s.fired}
                for s in self.store.schedules.values()
            ],
            "faults": self.faults.describe(),
            "pace": self.pace,
            "requests": len(self.request_log),
        }

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # Streams end on close (engine.close wakes them), so a short shutdown grace is enough.
        runner = web.AppRunner(build_app(self), shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::") else bound_host
        if ":" in shown:
            shown = f"[{shown}]"
        self.url = f"http://{shown}:{bound_port}"
        self._scheduler_task = asyncio.create_task(self.scheduler.run(), name="emulator-scheduler")
        logger.info("workers api emulator listening on %s", self.url)

    async def close(self) -> None:
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler_task
        await self.engine.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def running_emulator(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    pace: float = 0.05,
    seed: int = 0,
) -> AsyncIterator[Emulator]:
    emulator = Emulator(api_key=api_key, pace=pace, seed=seed)
    await emulator.start(host, port)
    try:
        yield emulator
    finally:
        await emulator.close()


async def serve_forever(*, host: str, port: int, api_key: str | None) -> None:
    """Serve until cancelled (Ctrl-C); for ``slack-workers emulator``."""
    async with running_emulator(host=host, port=port, api_key=api_key) as emulator:
        auth = "requires WORKERS_API_KEY" if api_key else "accepts any bearer key"
        print(f"Workers API emulator on {emulator.url} ({auth})", flush=True)
        await asyncio.Event().wait()
