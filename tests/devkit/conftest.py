"""Clients for the emulator tests: the official SDK (strict) and a raw httpx client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from handinger import AsyncHandinger
from httpx_sse import aconnect_sse

from bot.devkit.emulator.server import Emulator
from tests.fixtures.emulator import EMULATOR_API_KEY


@pytest.fixture
async def sdk(emulator: Emulator) -> AsyncIterator[AsyncHandinger]:
    """The reference client, validating every answer strictly, without retries."""
    client = AsyncHandinger(
        api_key=EMULATOR_API_KEY,
        base_url=emulator.url,
        _strict_response_validation=True,
        max_retries=0,
    )
    yield client
    await client.close()


@pytest.fixture
async def http(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
    async with httpx.AsyncClient(base_url=emulator.url, headers=headers, timeout=10) as client:
        yield client


async def read_events(
    http: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> list[tuple[str, dict[str, Any]]]:
    """Every ``(event, data)`` of an SSE answer, read to its end."""
    events: list[tuple[str, dict[str, Any]]] = []
    async with aconnect_sse(http, method, path, **kwargs) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            events.append((sse.event, json.loads(sse.data)))
    return events
