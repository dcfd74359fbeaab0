"""Small fakes for the client tests: a scripted HTTP server on 127.0.0.1 and a clock.

The Workers API emulator answers like the real service; this server answers like a
misbehaving one (odd error bodies, HTTP-date ``Retry-After``, broken JSON, garbage SSE,
connections cut mid-body, answers that never come), which the emulator cannot be told to.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web


@dataclass
class Answer:
    """One scripted answer. ``chunks`` are written one by one (chunked encoding) when
    given; ``cut`` then drops the connection instead of ending the body properly, and
    ``hold`` keeps it open without another byte; ``hang`` never answers at all (until
    the server stops)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] | None = None
    cut: bool = False
    hold: bool = False
    hang: bool = False


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers requests in order from ``answers``; 599 when the script has run out."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        self.url = ""
        self._stop = asyncio.Event()

    def then(self, *answers: Answer) -> ScriptedServer:
        self.answers.extend(answers)
        return self

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(request.method, request.path, dict(request.headers), await request.read())
        )
        answer = self.answers.pop(0) if self.answers else Answer(599, b"script ran out")
        if answer.hang:
            await self._stop.wait()
        if answer.chunks is None:
            return web.Response(status=answer.status, body=answer.body, headers=answer.headers)
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in answer.chunks:
            await response.write(chunk)
        if answer.cut:
            assert request.transport is not None
            request.transport.abort()
            return response
        if answer.hold:
            await self._stop.wait()
        await response.write_eof()
        return response

    def stop(self) -> None:
        self._stop.set()


@asynccontextmanager
async def scripted_server(port: int = 0) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{bound}"
    try:
        yield server
    finally:
        server.stop()
        await runner.cleanup()


def free_port() -> int:
    """A port nothing listens on right now (the OS picked it, then it was released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RecordingClock:
    """A clock whose sleeps return at once and are recorded; ``on_sleep`` runs first."""

    def __init__(self, on_sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.sleeps: list[float] = []
        self._on_sleep = on_sleep
        self._now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return sum(self.sleeps)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self._on_sleep is not None:
            await self._on_sleep(seconds)
        await asyncio.sleep(0)
