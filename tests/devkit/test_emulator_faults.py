"""Fault knobs: forced failures, 429 with Retry-After, latency, streams cut mid-way."""

from __future__ import annotations

from typing import Any

import handinger
import httpx
import pytest
from handinger import AsyncHandinger
from httpx_sse import aconnect_sse

from bot.devkit.emulator.server import Emulator
from tests.devkit.conftest import read_events


async def _events_until_cut(
    http: httpx.AsyncClient, path: str
) -> tuple[list[str], BaseException | None]:
    names: list[str] = []
    try:
        async with aconnect_sse(http, "GET", path) as source:
            async for sse in source.aiter_sse():
                names.append(sse.event)
    except httpx.HTTPError as exc:
        return names, exc
    return names, None


async def test_fail_next_answers_the_status_count_times(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    emulator.faults.fail_next(2, status=503)

    for _ in range(2):
        with pytest.raises(handinger.InternalServerError):
            await sdk.workers.create(input="x")
    worker = await sdk.workers.create(input="x")

    assert list(emulator.workers) == [worker.id]  # failed requests created nothing


async def test_429_carries_retry_after(emulator: Emulator, http: httpx.AsyncClient) -> None:
    emulator.faults.fail_next(1, status=429, retry_after=2.5)
    emulator.faults.fail_next(1, status=429)

    told = await http.post("/api/workers", json={"input": "x"})
    default = await http.post("/api/workers", json={"input": "x"})

    assert told.status_code == default.status_code == 429
    assert told.json()["error"]["type"] == "rate_limit_error"
    assert told.headers["Retry-After"] == "3"  # whole seconds, rounded up
    assert default.headers["Retry-After"] == "1"


async def test_sdk_retries_through_a_429(emulator: Emulator) -> None:
    emulator.faults.fail_next(1, status=429, retry_after=0.01)
    async with AsyncHandinger(api_key="test-key", base_url=emulator.url, max_retries=1) as sdk:
        worker = await sdk.workers.create(input="retried")

    assert worker.status == "pending"
    assert emulator.request_log == [("POST", "/api/workers"), ("POST", "/api/workers")]


async def test_fail_next_only_hits_matching_paths(
    emulator: Emulator, sdk: AsyncHandinger, http: httpx.AsyncClient
) -> None:
    emulator.faults.fail_next(1, status=502, paths=["*/stream"])
    worker = await sdk.workers.create(input="x")
    await sdk.workers.retrieve(worker.id)

    failed = await http.get(f"/api/workers/{worker.id}/stream")
    events = await read_events(http, "GET", f"/api/workers/{worker.id}/stream")

    assert failed.status_code == 502
    assert failed.json()["error"]["type"] == "api_error"
    assert events[-1][0] == "worker"


async def test_latency_delays_every_answer(emulator: Emulator) -> None:
    emulator.faults.latency = 0.5
    headers = {"Authorization": "Bearer test-key"}
    async with httpx.AsyncClient(base_url=emulator.url, headers=headers, timeout=0.05) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/workers", json={"input": "x"})
        emulator.faults.latency = 0.0
        assert (await client.post("/api/workers", json={"input": "x"})).status_code == 200


async def test_drop_stream_cuts_the_next_stream_after_n_events(
    emulator: Emulator, sdk: AsyncHandinger, http: httpx.AsyncClient
) -> None:
    emulator.faults.drop_stream_after = 2
    worker = await sdk.workers.create(input="cut me deltas=10 pace=0.01")

    cut, error = await _events_until_cut(http, f"/api/workers/{worker.id}/stream")
    whole, no_error = await _events_until_cut(http, f"/api/workers/{worker.id}/stream")

    assert cut == ["worker", "delta"]
    assert isinstance(error, httpx.RemoteProtocolError)  # no clean end of the body
    assert no_error is None and whole[-1] == "worker"  # only one stream was cut
    assert emulator.faults.drop_stream_after is None


async def test_drop_streams_counter_cuts_several(
    emulator: Emulator, sdk: AsyncHandinger, http: httpx.AsyncClient
) -> None:
    emulator.faults.drop_next_streams(after=1, count=2)
    worker = await sdk.workers.create(input="x deltas=10 pace=0.01")
    path = f"/api/workers/{worker.id}/stream"

    results = [await _events_until_cut(http, path) for _ in range(3)]

    assert [names for names, _ in results[:2]] == [["worker"], ["worker"]]
    assert all(error is not None for _, error in results[:2])
    assert results[2][1] is None


async def test_faults_over_http_and_state_dump(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="x")
    async with httpx.AsyncClient(base_url=emulator.url) as control:  # no key needed here
        body: dict[str, Any] = {
            "latency": 0,
            "drop_stream_after": 3,
            "fail_next": {"count": 1, "status": 429, "retry_after": 4, "paths": ["/api/*"]},
        }
        set_answer = await control.post("/_emulator/faults", json=body)
        bad = await control.post("/_emulator/faults", json={"latency": -1})
        state = (await control.get("/_emulator/state")).json()

        with pytest.raises(handinger.RateLimitError):
            await sdk.workers.retrieve(worker.id)
        reset = await control.post("/_emulator/faults", json={"reset": True})

    assert set_answer.status_code == 200
    assert set_answer.json()["fail_next"][0]["status"] == 429
    assert bad.status_code == 400
    assert [w["id"] for w in state["workers"]] == [worker.id]
    assert state["faults"]["drop_stream_after"] == 3
    assert reset.json() == emulator.faults.describe()
    assert emulator.faults.drop_stream_after is None and emulator.faults.rules == []
