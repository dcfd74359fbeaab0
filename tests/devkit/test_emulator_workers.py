"""Workers endpoints through the official SDK with strict response validation."""

from __future__ import annotations

import asyncio
import re

import httpx
from handinger import AsyncHandinger

from bot.devkit.emulator.server import Emulator, running_emulator


async def _idle(emulator: Emulator) -> None:
    async with asyncio.timeout(5):
        await emulator.wait_idle()


async def test_create_answers_pending_then_completes(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    created = await sdk.workers.create(input="Compare Q3 latency", budget="high")

    assert re.fullmatch(r"wrk_[0-9a-f]{24}", created.id)
    assert created.status == "pending"
    assert created.running is True
    assert created.output == []
    assert created.created_at is not None

    await _idle(emulator)
    done = await sdk.workers.retrieve(created.id)
    assert done.status == "completed"
    assert done.running is False
    assert len(done.output) == 1
    item = done.output[0]
    assert re.fullmatch(r"msg_[0-9a-f]{24}", item.id)
    text = item.content[0].text
    assert text.startswith("# Compare Q3 latency\n")
    for part in ("\n- ", "```python\n", "| Metric | Value |", "Sources: ["):
        assert part in text
    assert done.output_text == text
    assert [s.type for s in done.sources] == ["url", "url"]
    assert done.metadata == {"budget": "high"}
    assert done.messages == [
        {"role": "user", "content": "Compare Q3 latency"},
        {"id": item.id, "role": "assistant", "content": text},
    ]
    assert done.usage is not None and done.costs is not None
    assert done.usage.steps > 0
    assert done.usage.output_tokens > 0
    assert done.usage.total_tokens == (
        done.usage.input_tokens + done.usage.output_tokens + done.usage.reasoning_tokens
    )
    assert done.costs.api_model_cost_usd > 0


async def test_continue_adds_a_turn_that_mentions_the_new_input(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    first = await sdk.workers.create(input="Draft the release notes")
    await _idle(emulator)
    before = await sdk.workers.retrieve(first.id)

    again = await sdk.workers.continue_(first.id, input="Now shorten them")
    assert again.status == "pending"
    assert again.output_text == before.output_text  # the new turn is not in output yet
    await _idle(emulator)
    after = await sdk.workers.retrieve(first.id)

    assert [o.id for o in after.output][:1] == [before.output[0].id]  # ids are stable
    assert len(after.output) == 2
    second = after.output[1].content[0].text
    assert "Now shorten them" in second
    assert "Now shorten them" not in before.output_text
    assert after.output_text == before.output_text + "\n\n" + second
    assert len(after.sources) == 4
    assert after.usage is not None and before.usage is not None
    assert after.usage.output_tokens > before.usage.output_tokens
    assert after.usage.steps > before.usage.steps


async def test_email_is_plain_text_per_worker(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="inbox")

    address = await sdk.workers.retrieve_email(worker.id)

    assert address == f"{worker.id}@inbound.emulator.localhost"


async def test_file_knob_publishes_a_downloadable_csv(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker = await sdk.workers.create(input="Export the numbers as a file")
    await _idle(emulator)
    done = await sdk.workers.retrieve(worker.id)

    assert [(f.filename, f.media_type) for f in done.files] == [("report.csv", "text/csv")]
    assert done.files[0].url == f"{emulator.url}/api/workers/{worker.id}/files/report.csv"
    response = await sdk.workers.retrieve_file("report.csv", worker_id=worker.id)
    body = await response.read()
    assert body.startswith(b"row,metric,value\n")
    assert body.count(b"\n") > 3


async def test_nested_and_big_files(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="file=exports/q3/data.csv")
    await _idle(emulator)
    await sdk.workers.continue_(worker.id, input="and a file=big one")
    await _idle(emulator)
    done = await sdk.workers.retrieve(worker.id)

    assert [f.filename for f in done.files] == ["data.csv", "big-report-2.csv"]
    nested = await sdk.workers.retrieve_file("exports/q3/data.csv", worker_id=worker.id)
    assert (await nested.read()).startswith(b"row,")
    big = await sdk.workers.retrieve_file("big-report-2.csv", worker_id=worker.id)
    assert len(await big.read()) >= 2 * 1024 * 1024


async def test_chars_knob_gives_an_output_of_that_size(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    worker = await sdk.workers.create(input="A long essay chars=60000 deltas=30")
    await _idle(emulator)
    done = await sdk.workers.retrieve(worker.id)

    assert len(done.output_text) == 60000
    assert done.output_text.endswith(").")


async def test_fail_knob_sets_error_and_adds_no_output(
    emulator: Emulator, http: httpx.AsyncClient
) -> None:
    # The SDK's strict model requires error == null, so a failed worker is read raw.
    response = await http.post("/api/workers", json={"input": "please fail"})
    worker_id = response.json()["id"]
    await _idle(emulator)

    body = (await http.get(f"/api/workers/{worker_id}")).json()
    assert body["status"] == "completed"
    assert body["error"]["type"] == "worker_error"
    assert body["output"] == []
    assert emulator.worker(worker_id).turns[0].status == "failed"


async def test_ids_are_deterministic_per_seed() -> None:
    async def first_id(seed: int) -> str:
        async with running_emulator(api_key="k", pace=0, seed=seed) as emulator:
            client = AsyncHandinger(api_key="k", base_url=emulator.url, max_retries=0)
            async with client:
                return (await client.workers.create(input="x")).id

    assert await first_id(1) == await first_id(1)
    assert await first_id(1) != await first_id(2)


async def test_request_log_records_method_and_path(emulator: Emulator, sdk: AsyncHandinger) -> None:
    worker = await sdk.workers.create(input="log me")
    await sdk.workers.retrieve(worker.id)

    assert emulator.request_log == [
        ("POST", "/api/workers"),
        ("GET", f"/api/workers/{worker.id}"),
    ]
