"""Slack's Socket Mode, server side: the websocket the app connects to.

``apps.connections.open`` hands out ``ws://HOST:PORT/socket-mode/<id>``. On connect the
fake sends ``hello``; ``deliver`` wraps a payload in an envelope, sends it to the newest
connection and waits for the app's acknowledgement ``{"envelope_id", "payload"?}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import WSMsgType, web

from bot.devkit.slack.state import APP_ID

logger = logging.getLogger(__name__)

EnvelopeType = Literal["slash_commands", "events_api", "interactive"]


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None


class SocketModeHub:
    """Tracks open Socket Mode connections and matches acknowledgements to envelopes."""

    def __init__(self) -> None:
        self.connections: list[web.WebSocketResponse] = []
        self.accepted = 0  # connections ever made, to see a reconnect happen
        self.envelopes: list[dict[str, Any]] = []
        self.acks: list[Ack] = []
        self._pending: dict[str, asyncio.Future[Ack]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections) + 1,
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        async with self._changed:
            self.accepted += 1
            self.connections.append(socket)
            self._changed.notify_all()
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    self._acknowledge(frame.data)
        finally:
            async with self._changed:
                self.connections.remove(socket)
                self._changed.notify_all()
        return socket

    def _acknowledge(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            logger.warning("socket mode: a frame that is not JSON was ignored")
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        if not isinstance(envelope_id, str):
            return
        ack = Ack(envelope_id, data.get("payload"))
        self.acks.append(ack)
        future = self._pending.pop(envelope_id, None)
        if future is not None and not future.done():
            future.set_result(ack)

    async def wait_connected(self, within: float = 10.0) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: bool(self.connections))

    async def deliver(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        within: float = 10.0,
    ) -> Ack:
        """Sends one envelope and returns the app's ack; TimeoutError if none comes."""
        await self.wait_connected(within)
        envelope_id = f"env-{next(self._ids):06d}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = future
        self.envelopes.append(envelope)
        try:
            await self.connections[-1].send_json(envelope)
            async with asyncio.timeout(within):
                return await future
        finally:
            self._pending.pop(envelope_id, None)

    async def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Asks every connected app to reconnect, as Slack does every few hours."""
        for socket in list(self.connections):
            await socket.send_json({"type": "disconnect", "reason": reason})

    async def close(self) -> None:
        for socket in list(self.connections):
            with contextlib.suppress(ConnectionError):
                await socket.close()
