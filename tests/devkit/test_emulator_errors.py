"""Every refusal: 400 bad input, 401 bad key, 404 unknown things, 409 busy worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import handinger
import httpx
import pytest
from handinger import AsyncHandinger

from bot.devkit.emulator.server import Emulator, running_emulator


def _error(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == kind
    assert error["message"]
    message: str = error["message"]
    return message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"input": ""}, "input"),
        ({"input": "x", "budget": "enormous"}, "budget"),
        ({}, "input"),
        (["input"], "JSON object"),
        ({"input": 5}, "input"),
    ],
)
async def test_create_rejects_bad_bodies(http: httpx.AsyncClient, body: Any, fragment: str) -> None:
    message = _error(await http.post("/api/workers", json=body), 400, "invalid_request_error")
    assert fragment in message


async def test_malformed_json_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/workers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in _error(response, 400, "invalid_request_error")


async def test_sdk_raises_bad_request_for_empty_input(sdk: AsyncHandinger) -> None:
    with pytest.raises(handinger.BadRequestError):
        await sdk.workers.create(input="")


async def test_continue_validates_input(sdk: AsyncHandinger, emulator: Emulator) -> None:
    worker = await sdk.workers.create(input="x pace=0")
    with pytest.raises(handinger.BadRequestError):
        await sdk.workers.continue_(worker.id, input="", budget="low")


@pytest.mark.parametrize(
    "when",
    [
        {"type": "cron", "cron": "61 * * * *"},
        {"type": "cron", "cron": "every day"},
        {"type": "cron", "cron": ""},
        {"type": "interval", "intervalSeconds": 0},
        {"type": "interval", "intervalSeconds": -5},
        {"type": "delayed", "delayInSeconds": 0},
        {"type": "scheduled", "date": "2001-01-01T00:00:00Z"},
        {"type": "scheduled", "date": "not a date"},
        {"type": "weekly"},
        {"type": "interval"},
    ],
)
async def test_schedule_rejects_bad_when(
    http: httpx.AsyncClient, sdk: AsyncHandinger, when: dict[str, Any]
) -> None:
    worker = await sdk.workers.create(input="x")
    response = await http.post(
        f"/api/workers/{worker.id}/schedules", json={"input": "report", "when": when}
    )
    _error(response, 400, "invalid_request_error")


async def test_schedule_rejects_past_date_through_the_sdk(sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="x")
    with pytest.raises(handinger.BadRequestError, match="future"):
        await sdk.workers.schedules.create(
            worker.id,
            input="late",
            when={"type": "scheduled", "date": datetime.now(UTC) - timedelta(minutes=1)},
        )


async def test_schedule_rejects_empty_input_and_bad_budget(
    http: httpx.AsyncClient, sdk: AsyncHandinger
) -> None:
    worker = await sdk.workers.create(input="x")
    path = f"/api/workers/{worker.id}/schedules"
    when = {"type": "delayed", "delayInSeconds": 60}
    _error(await http.post(path, json={"input": "", "when": when}), 400, "invalid_request_error")
    response = await http.post(path, json={"input": "r", "when": when, "budget": "huge"})
    _error(response, 400, "invalid_request_error")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer"}, {"Authorization": "x"}],
)
async def test_bad_or_missing_key_is_401(emulator: Emulator, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=emulator.url, headers=headers) as client:
        response = await client.post("/api/workers", json={"input": "x"})
    _error(response, 401, "authentication_error")
    assert emulator.workers == {}


async def test_sdk_with_wrong_key_raises_authentication_error(emulator: Emulator) -> None:
    async with AsyncHandinger(api_key="nope", base_url=emulator.url, max_retries=0) as client:
        with pytest.raises(handinger.AuthenticationError):
            await client.workers.create(input="x")


async def test_without_configured_key_any_nonempty_key_works() -> None:
    async with (
        running_emulator(api_key=None, pace=0) as emulator,
        httpx.AsyncClient(base_url=emulator.url) as client,
    ):
        ok = await client.post(
            "/api/workers", json={"input": "x"}, headers={"Authorization": "Bearer anything"}
        )
        missing = await client.post("/api/workers", json={"input": "x"})
    assert ok.status_code == 200
    _error(missing, 401, "authentication_error")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("POST", ""),
        ("GET", "/stream"),
        ("GET", "/email"),
        ("GET", "/files/report.csv"),
        ("GET", "/schedules"),
        ("POST", "/schedules"),
        ("DELETE", "/schedules/sch_000000000000000000000000"),
    ],
)
async def test_unknown_worker_is_404(http: httpx.AsyncClient, method: str, suffix: str) -> None:
    body = {"input": "x", "when": {"type": "delayed", "delayInSeconds": 5}}
    response = await http.request(
        method, f"/api/workers/wrk_000000000000000000000000{suffix}", json=body
    )
    _error(response, 404, "not_found_error")


async def test_unknown_file_schedule_and_route_are_404(
    sdk: AsyncHandinger, http: httpx.AsyncClient
) -> None:
    worker = await sdk.workers.create(input="x")
    with pytest.raises(handinger.NotFoundError):
        await sdk.workers.retrieve_file("nothing.csv", worker_id=worker.id)
    with pytest.raises(handinger.NotFoundError):
        await sdk.workers.schedules.cancel("sch_000000000000000000000000", worker_id=worker.id)
    _error(await http.get("/api/nothing"), 404, "not_found_error")


async def test_schedule_of_another_worker_is_404(sdk: AsyncHandinger) -> None:
    one = await sdk.workers.create(input="one")
    two = await sdk.workers.create(input="two")
    schedule = await sdk.workers.schedules.create(
        one.id, input="r", when={"type": "delayed", "delay_in_seconds": 600}
    )
    with pytest.raises(handinger.NotFoundError):
        await sdk.workers.schedules.cancel(schedule.id, worker_id=two.id)


async def test_continue_while_running_is_409(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="slow pace=1 deltas=5")

    with pytest.raises(handinger.ConflictError, match="still running"):
        await sdk.workers.continue_(worker.id, input="too early")
    assert len(emulator.worker(worker.id).turns) == 1
