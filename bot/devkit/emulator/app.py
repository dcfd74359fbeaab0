"""The aiohttp application: routes of ``workers-api.txt`` plus ``/_emulator`` controls.

Middlewares, outermost first: record ``(method, path)`` in ``request_log``; render
``ApiProblem`` and aiohttp's own HTTP errors as the API's JSON error body; apply the
fault knobs (latency, forced failures); check the bearer key. The ``/_emulator`` control
endpoints skip faults and auth: they are for the test or the developer, not the bot.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.devkit.emulator.faults import FaultsBody
from bot.devkit.emulator.problems import ApiProblem, bad_request, not_found
from bot.devkit.emulator.sse import stream_worker
from bot.devkit.emulator.state import WorkerState
from bot.devkit.emulator.wire import render_schedule, render_worker
from bot.workers.models import CreateSchedule, CreateWorker

if TYPE_CHECKING:
    from bot.devkit.emulator.server import Emulator

logger = logging.getLogger(__name__)

Handler = Any  # aiohttp's handler type is not exported in a stable place
CONTROL_PREFIX = "/_emulator/"
M = TypeVar("M", bound=BaseModel)


def _base(request: web.Request) -> str:
    """The URL clients used to reach us, for absolute file URLs."""
    return f"{request.scheme}://{request.host}"


def _wants_stream(request: web.Request) -> bool:
    flag = request.query.get("stream", "").lower() in ("1", "true", "yes")
    return flag or "text/event-stream" in request.headers.get("Accept", "")


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON") from None


def _validate(model: type[M], body: Any) -> M:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}") from None


class Api:
    """Route handlers bound to one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator

    def _worker(self, request: web.Request) -> WorkerState:
        worker_id = request.match_info["worker_id"]
        worker = self._emu.store.workers.get(worker_id)
        if worker is None:
            raise not_found(f"No worker {worker_id}")
        return worker

    async def _stream(self, request: web.Request, worker: WorkerState) -> web.StreamResponse:
        return await stream_worker(
            request,
            worker,
            base=_base(request),
            keepalive=self._emu.keepalive,
            drop_after=self._emu.faults.take_stream_drop(),
            closed=lambda: self._emu.engine.closed,
        )

    async def _answer(
        self, request: web.Request, worker: WorkerState, *, stream: bool
    ) -> web.StreamResponse:
        if stream:
            return await self._stream(request, worker)
        return web.json_response(render_worker(worker, _base(request)))

    async def create(self, request: web.Request) -> web.StreamResponse:
        body = _validate(CreateWorker, await _json_body(request))
        worker = self._emu.engine.create(body.input, body.budget or "standard")
        return await self._answer(request, worker, stream=bool(body.stream))

    async def continue_(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        body = _validate(CreateWorker, await _json_body(request))
        self._emu.engine.continue_(worker, body.input, body.budget)
        return await self._answer(request, worker, stream=bool(body.stream))

    async def retrieve(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, self._worker(request), stream=_wants_stream(request))

    async def stream(self, request: web.Request) -> web.StreamResponse:
        return await self._stream(request, self._worker(request))

    async def email(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        return web.Response(text=f"{worker.id}@inbound.emulator.localhost")

    async def file(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        path = request.match_info["path"]
        published = worker.files.get(path)
        if published is None:
            raise not_found(f"No file {path!r} in worker {worker.id}")
        return web.Response(body=published.data, content_type=published.media_type)

    async def list_schedules(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        schedules = [render_schedule(s) for s in self._emu.scheduler.list_for(worker)]
        return web.json_response({"schedules": schedules, "workerId": worker.id})

    async def create_schedule(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        body = _validate(CreateSchedule, await _json_body(request))
        schedule = self._emu.scheduler.create(worker, body)
        return web.json_response(render_schedule(schedule))

    async def cancel_schedule(self, request: web.Request) -> web.StreamResponse:
        worker = self._worker(request)
        self._emu.scheduler.cancel(worker, request.match_info["schedule_id"])
        return web.json_response({"cancelled": True})

    async def set_faults(self, request: web.Request) -> web.StreamResponse:
        _validate(FaultsBody, await _json_body(request)).apply(self._emu.faults)
        return web.json_response(self._emu.faults.describe())

    async def state(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._emu.describe(_base(request)))


def build_app(emulator: Emulator) -> web.Application:
    api = Api(emulator)

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        emulator.request_log.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    @web.middleware
    async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except ApiProblem as problem:
            return web.json_response(
                problem.body(), status=problem.status, headers=problem.headers()
            )
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            http_problem = ApiProblem(exc.status, exc.reason)
            return web.json_response(http_problem.body(), status=exc.status)
        return response

    @web.middleware
    async def misbehave(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(CONTROL_PREFIX):
            faults = emulator.faults
            if faults.latency > 0:
                await emulator.clock.sleep(faults.latency)
            rule = faults.take_failure(request.path)
            if rule is not None:
                message = f"Simulated failure ({rule.status}) injected by the emulator"
                raise ApiProblem(rule.status, message, retry_after=rule.retry_after)
        response: web.StreamResponse = await handler(request)
        return response

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(CONTROL_PREFIX):
            scheme, _, key = request.headers.get("Authorization", "").partition(" ")
            key = key.strip()
            if scheme.lower() != "bearer" or not key:
                raise ApiProblem(401, "Missing bearer key: send Authorization: Bearer <key>")
            if emulator.api_key is not None and key != emulator.api_key:
                raise ApiProblem(401, "Invalid API key")
        response: web.StreamResponse = await handler(request)
        return response

    app = web.Application(middlewares=[record, problems, misbehave, auth])
    app.add_routes(
        [
            web.post("/api/workers", api.create),
            web.get("/api/workers/{worker_id}", api.retrieve),
            web.post("/api/workers/{worker_id}", api.continue_),
            web.get("/api/workers/{worker_id}/stream", api.stream),
            web.get("/api/workers/{worker_id}/email", api.email),
            web.get("/api/workers/{worker_id}/files/{path:.+}", api.file),
            web.get("/api/workers/{worker_id}/schedules", api.list_schedules),
            web.post("/api/workers/{worker_id}/schedules", api.create_schedule),
            web.delete("/api/workers/{worker_id}/schedules/{schedule_id}", api.cancel_schedule),
            web.post("/_emulator/faults", api.set_faults),
            web.get("/_emulator/state", api.state),
        ]
    )
    return app
