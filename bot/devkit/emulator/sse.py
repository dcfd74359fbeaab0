"""Server-sent events: how a stream of one worker looks on the wire.

On connect the stream sends one ``event: worker`` snapshot: the Worker JSON, where
``output`` holds only completed turns (never the active turn's partial text). If a turn
is active (pending or running), it then sends ``event: delta`` events whose data is
``{"type": "delta", "delta": "<text>", "outputId": "<id of the active turn's message>"}``:
first one catch-up delta with everything the turn produced before this connection
(skipped when nothing was produced yet), then each delta as it is produced. When the
turn ends it sends a final ``event: worker`` snapshot (status ``completed``, the new
output item included, or ``error`` set for a failed turn) and closes. Without an active
turn: the snapshot, then close. The snapshot's output plus the deltas reconstruct the
final output exactly. While waiting inside a turn, a ``: keep-alive`` comment is sent
every ``keepalive`` seconds (10 by default).

A stream chosen by the ``drop_stream_after`` fault is cut abruptly after that many
events: the socket is closed without the final snapshot and without the end of the
chunked body, as a broken proxy or a redeploy would.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.devkit.emulator.state import Turn, WorkerState
from bot.devkit.emulator.wire import render_worker


class _StreamCut(Exception):
    """Raised after the fault knob closed the socket on purpose."""


class _EventWriter:
    def __init__(
        self, request: web.Request, response: web.StreamResponse, drop_after: int | None
    ) -> None:
        self._request = request
        self._response = response
        self._drop_after = drop_after
        self.sent = 0

    async def start(self) -> None:
        await self._response.prepare(self._request)
        self._maybe_cut()

    async def event(self, name: str, data: dict[str, Any]) -> None:
        line = f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        await self._response.write(line.encode())
        self.sent += 1
        self._maybe_cut()

    async def comment(self, text: str) -> None:
        await self._response.write(f": {text}\n\n".encode())

    def _maybe_cut(self) -> None:
        if self._drop_after is not None and self.sent >= self._drop_after:
            transport = self._request.transport
            if transport is not None:
                transport.close()  # flushes what was written, then closes mid-body
            raise _StreamCut


def _delta(turn: Turn, text: str) -> dict[str, Any]:
    return {"type": "delta", "delta": text, "outputId": turn.output_id}


async def stream_worker(
    request: web.Request,
    worker: WorkerState,
    *,
    base: str,
    keepalive: float,
    drop_after: int | None,
    closed: Callable[[], bool],
) -> web.StreamResponse:
    """Serve one worker's event stream. ``closed()`` tells when the emulator shuts down."""
    # Capture the snapshot and the active turn together, before any await.
    snapshot = render_worker(worker, base)
    turn = worker.active
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    writer = _EventWriter(request, response, drop_after)
    try:
        await writer.start()
        await writer.event("worker", snapshot)
        if turn is not None:
            await _follow(writer, turn, base=base, keepalive=keepalive, closed=closed)
    except (_StreamCut, ConnectionResetError):
        # Cut on purpose, or the client went away: nothing more can be written.
        return response
    with contextlib.suppress(ConnectionResetError):  # the client left after the last event
        await response.write_eof()
    return response


async def _follow(
    writer: _EventWriter, turn: Turn, *, base: str, keepalive: float, closed: Callable[[], bool]
) -> None:
    sent = len(turn.chunks)
    if sent:
        await writer.event("delta", _delta(turn, "".join(turn.chunks[:sent])))
    while not closed():
        if sent < len(turn.chunks):
            chunk = turn.chunks[sent]
            sent += 1
            await writer.event("delta", _delta(turn, chunk))
            continue
        if turn.final is not None:
            await writer.event("worker", render_worker(turn.final, base))
            return
        # No await between the checks above and capturing the event inside wait_changed.
        if not await turn.wait_changed(keepalive):
            await writer.comment("keep-alive")
