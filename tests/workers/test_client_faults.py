"""``WorkersClient`` against a scripted server that misbehaves in ways the emulator won't."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, aclosing
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from bot import __version__
from bot.errors import (
    ConfigError,
    WorkersApiError,
    WorkersFileTooLarge,
    WorkersNotFound,
    WorkersRateLimited,
    WorkersRejected,
    WorkersUnauthorized,
    WorkersUnavailable,
)
from bot.workers.client import WorkersClient
from bot.workers.events import Delta, SkipCounts, Snapshot, StreamEnd, StreamEvent
from tests.workers.fakes import Answer, RecordingClock, ScriptedServer, free_port, scripted_server

KEY = "sk-test-secret-key-123"
WORKER = {"id": "wrk_1", "object": "worker", "status": "completed", "output_text": "done"}


def ok(payload: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


def err(status: int, payload: Any = None, **headers: str) -> Answer:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Answer(status, b"" if payload is None else body, headers)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as running:
        yield running


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
async def client(server: ScriptedServer, clock: RecordingClock) -> AsyncIterator[WorkersClient]:
    async with WorkersClient(
        server.url, KEY, max_retries=3, backoff_base=0.01, backoff_max=5.0, clock=clock
    ) as running:
        yield running


async def collect(client: WorkersClient, worker_id: str = "wrk_1") -> list[StreamEvent]:
    async with aclosing(client.stream(worker_id)) as events:
        return [event async for event in events]


# --- requests as sent ---------------------------------------------------------------------


async def test_headers_paths_and_body(server: ScriptedServer, client: WorkersClient) -> None:
    server.then(ok(WORKER), ok(WORKER))
    worker = await client.create("hello", budget="low")
    assert worker.id == "wrk_1"
    await client.retrieve("odd/id?x")
    first, second = server.seen
    assert (first.method, first.path) == ("POST", "/api/workers")
    assert json.loads(first.body) == {"input": "hello", "budget": "low"}
    assert first.headers["Authorization"] == f"Bearer {KEY}"
    assert first.headers["User-Agent"] == f"slack-workers/{__version__}"
    # The id stays one path segment: no way to reach another route through it.
    assert (second.method, second.path) == ("GET", "/api/workers/odd/id?x")
    assert second.headers.get("Content-Length", "0") == "0"


async def test_base_url_with_a_path_prefix(server: ScriptedServer, clock: RecordingClock) -> None:
    server.then(ok(WORKER))
    async with WorkersClient(server.url + "/v1/", KEY, clock=clock) as prefixed:
        await prefixed.retrieve("wrk_1")
    assert server.seen[0].path == "/v1/api/workers/wrk_1"


async def test_empty_input_is_refused_without_a_request(
    server: ScriptedServer, client: WorkersClient
) -> None:
    with pytest.raises(WorkersRejected):
        await client.create("")
    with pytest.raises(WorkersNotFound):
        await client.retrieve("")
    assert server.seen == []


def test_empty_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        WorkersClient("http://127.0.0.1:1", "")


# --- error mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"error": {"message": "input too long", "type": "invalid_request_error"}},
            "input too long",
        ),
        ({"error": "worker is busy"}, "worker is busy"),
        ({"message": "bad budget"}, "bad budget"),
        (b"plain words", "plain words"),
        (b"", "Conflict"),
    ],
)
async def test_rejections_keep_the_servers_message(
    server: ScriptedServer, client: WorkersClient, body: Any, message: str
) -> None:
    status = 409 if body == b"" else 400
    server.then(err(status, body))
    with pytest.raises(WorkersRejected) as caught:
        await client.continue_("wrk_1", "more")
    assert caught.value.message == message
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, WorkersUnauthorized),
        (403, WorkersUnauthorized),
        (404, WorkersNotFound),
        (422, WorkersRejected),
        (418, WorkersUnavailable),
    ],
)
async def test_status_mapping(
    server: ScriptedServer, client: WorkersClient, status: int, error: type[WorkersApiError]
) -> None:
    server.then(err(status, {"error": {"message": "no"}}))
    with pytest.raises(error) as caught:
        await client.retrieve("wrk_1")
    assert caught.value.status == status
    assert len(server.seen) == 1


async def test_an_echoed_key_is_scrubbed(
    server: ScriptedServer, client: WorkersClient, caplog: pytest.LogCaptureFixture
) -> None:
    server.then(err(401, {"error": {"message": f"bad key {KEY}"}}))
    server.then(*[err(503, {"error": f"down for {KEY}"})] * 4)
    with pytest.raises(WorkersUnauthorized) as unauthorized:
        await client.retrieve("wrk_1")
    with pytest.raises(WorkersUnavailable) as unavailable:
        await client.retrieve("wrk_1")
    for error in (unauthorized.value, unavailable.value):
        assert KEY not in str(error)
        assert "[key]" in str(error)
    assert caplog.records
    assert all(KEY not in record.getMessage() for record in caplog.records)


async def test_invalid_json_in_a_2xx_is_unavailable(
    server: ScriptedServer, client: WorkersClient
) -> None:
    server.then(Answer(200, b"{not json", {"Content-Type": "application/json"}))
    server.then(ok({"object": "worker"}))  # no id
    server.then(ok({"schedules": "nope"}))
    with pytest.raises(WorkersUnavailable, match="not JSON"):
        await client.retrieve("wrk_1")
    with pytest.raises(WorkersUnavailable, match="unexpected shape"):
        await client.retrieve("wrk_1")
    with pytest.raises(WorkersUnavailable, match="unexpected shape"):
        await client.list_schedules("wrk_1")


# --- retries ------------------------------------------------------------------------------


async def test_429_with_an_http_date_is_honoured(
    server: ScriptedServer, client: WorkersClient, clock: RecordingClock
) -> None:
    when = format_datetime(clock.now() + timedelta(seconds=3), usegmt=True)
    server.then(err(429, {"error": "slow down"}, **{"Retry-After": when}), ok(WORKER))
    assert (await client.retrieve("wrk_1")).id == "wrk_1"
    assert clock.sleeps == [3.0]


async def test_retry_after_beyond_the_cap_is_raised_at_once(
    server: ScriptedServer, client: WorkersClient, clock: RecordingClock
) -> None:
    server.then(err(429, {"error": "later"}, **{"Retry-After": "3600"}))
    with pytest.raises(WorkersRateLimited) as caught:
        await client.retrieve("wrk_1")
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []
    assert len(server.seen) == 1


async def test_429_until_retries_run_out(
    server: ScriptedServer, client: WorkersClient, clock: RecordingClock
) -> None:
    server.then(*[err(429, {"error": "busy"}, **{"Retry-After": "1"})] * 4)
    with pytest.raises(WorkersRateLimited) as caught:
        await client.create("task")
    assert caught.value.retry_after == 1.0
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert [seen.method for seen in server.seen] == ["POST"] * 4


async def test_read_timeout_retries_a_get_but_never_a_post(clock: RecordingClock) -> None:
    timeout = httpx.Timeout(connect=2.0, read=0.1, write=2.0, pool=2.0)
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(scripted_server())
        client = await stack.enter_async_context(
            WorkersClient(server.url, KEY, timeout=timeout, max_retries=2, clock=clock)
        )
        server.then(Answer(hang=True))
        with pytest.raises(WorkersUnavailable, match="ReadTimeout"):
            await client.create("task")
        assert [seen.method for seen in server.seen] == ["POST"]
        server.then(Answer(hang=True), Answer(hang=True), ok(WORKER))
        assert (await client.retrieve("wrk_1")).id == "wrk_1"
        assert [seen.method for seen in server.seen] == ["POST", "GET", "GET", "GET"]


async def test_post_whose_connection_broke_is_not_retried(
    server: ScriptedServer, client: WorkersClient, clock: RecordingClock
) -> None:
    server.then(Answer(200, chunks=[b'{"id": "wrk'], cut=True, headers={"Content-Type": "x"}))
    with pytest.raises(WorkersUnavailable):
        await client.create("task")
    assert len(server.seen) == 1
    assert clock.sleeps == []


async def test_post_is_retried_when_nothing_could_connect() -> None:
    port = free_port()
    started: list[ScriptedServer] = []
    async with AsyncExitStack() as stack:

        async def start_server(_: float) -> None:
            if not started:
                server = await stack.enter_async_context(scripted_server(port))
                started.append(server.then(ok(WORKER, status=201)))

        clock = RecordingClock(on_sleep=start_server)
        client = await stack.enter_async_context(
            WorkersClient(f"http://127.0.0.1:{port}", KEY, backoff_base=0.01, clock=clock)
        )
        assert (await client.create("task")).id == "wrk_1"
        assert len(clock.sleeps) == 1
        assert [seen.method for seen in started[0].seen] == ["POST"]


async def test_connection_refused_until_retries_run_out() -> None:
    clock = RecordingClock()
    url = f"http://127.0.0.1:{free_port()}"
    async with WorkersClient(url, KEY, max_retries=2, backoff_base=0.01, clock=clock) as client:
        with pytest.raises(WorkersUnavailable, match="cannot connect") as caught:
            await client.create("task")
    assert caught.value.status is None
    assert len(clock.sleeps) == 2


# --- the stream ---------------------------------------------------------------------------


def sse(event: str, payload: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n".encode()


async def test_garbage_comments_crlf_and_split_lines_in_a_stream(
    server: ScriptedServer, client: WorkersClient
) -> None:
    snapshot = json.dumps(WORKER | {"status": "running", "running": True})
    body = (
        "\ufeff: keep-alive\r\n\r\n"
        f"event: worker\r\ndata: {snapshot}\r\n\r\n"
        'data: {"type":"delta",\ndata: "delta":"Hé€🙂","outputId":"msg_1"}\n\n'
        "event: delta\rdata: not json at all\r\r"
        ": keep-alive\n"
        'event: mystery\ndata: {"type":"done"}\n\n'
        'data: {"object":"worker","status":"weird"}\n\n'
        'data: {"delta":"!","id":"msg_1"}\r\n\r\n'
        'data: {"delta":"never finished"}\n'
    ).encode()
    # Cut inside the CRLF pairs and inside the multi-byte characters on purpose.
    cuts = [1, 2, 20, body.index(b"\xc3") + 1, body.index(b"\xf0") + 2, body.index(b"\r\r") + 1]
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    server.then(Answer(200, chunks=pieces, headers={"Content-Type": "text/event-stream"}))
    events = await collect(client)
    assert isinstance(events[0], Snapshot)
    assert events[0].worker.running
    assert events[1:3] == [Delta("Hé€🙂", "msg_1"), Delta("!", "msg_1")]
    assert events[3] == StreamEnd(
        "closed", SkipCounts(comments=2, not_json=1, unknown=1, invalid_snapshots=1)
    )
    assert len(events) == 4
    assert server.seen[0].headers["Accept"] == "text/event-stream"


async def test_a_cut_connection_is_a_dropped_stream(
    server: ScriptedServer, client: WorkersClient
) -> None:
    chunks = [sse("delta", {"delta": "a", "outputId": "m"}), b'data: {"delta"']
    server.then(Answer(200, chunks=chunks, cut=True, headers={"Content-Type": "text/event-stream"}))
    events = await collect(client)
    assert events[0] == Delta("a", "m")
    assert isinstance(events[-1], StreamEnd)
    assert events[-1].reason == "dropped"
    assert len(events) == 2


async def test_a_silent_stream_is_dropped_after_the_read_timeout(
    server: ScriptedServer, clock: RecordingClock
) -> None:
    async with WorkersClient(
        server.url, KEY, max_retries=1, stream_read_timeout=0.1, clock=clock
    ) as client:
        server.then(Answer(hang=True), Answer(hang=True))
        with pytest.raises(WorkersUnavailable, match="ReadTimeout"):  # not even headers came
            await collect(client)
        assert len(server.seen) == 2  # opening a stream is a GET: retried
        server.then(Answer(200, chunks=[b": hi\n\n", sse("delta", {"delta": "a"})], hold=True))
        events = await collect(client)
    assert events == [Delta("a"), StreamEnd("dropped", SkipCounts(comments=1))]


async def test_opening_errors_raise_and_5xx_is_retried_as_a_get(
    server: ScriptedServer, client: WorkersClient, clock: RecordingClock
) -> None:
    server.then(err(404, {"error": {"message": "no such worker"}}))
    with pytest.raises(WorkersNotFound):
        await collect(client)
    server.then(err(503, {"error": "busy"}), Answer(200, chunks=[sse("worker", WORKER)]))
    events = await collect(client)
    assert isinstance(events[0], Snapshot)
    assert events[-1] == StreamEnd("closed")
    assert len(clock.sleeps) == 1


async def test_leaving_a_stream_early_releases_it(
    server: ScriptedServer, client: WorkersClient
) -> None:
    chunks = [sse("delta", {"delta": str(n)}) for n in range(50)]
    server.then(Answer(200, chunks=chunks), ok(WORKER))
    async with aclosing(client.stream("wrk_1")) as events:
        async for event in events:
            assert event == Delta("0")
            break
    # The pool still works (the abandoned connection was closed, not leaked).
    assert (await client.retrieve("wrk_1")).id == "wrk_1"


# --- email and files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"wrk_1@in.example.com\n", {"Content-Type": "text/plain"}),
        ok("wrk_1@in.example.com"),
        ok({"email": "wrk_1@in.example.com"}),
    ],
)
async def test_email_address_in_any_reasonable_shape(
    server: ScriptedServer, client: WorkersClient, answer: Answer
) -> None:
    server.then(answer)
    assert await client.email_address("wrk_1") == "wrk_1@in.example.com"
    assert server.seen[0].path == "/api/workers/wrk_1/email"


async def test_email_answer_without_address_is_unavailable(
    server: ScriptedServer, client: WorkersClient
) -> None:
    server.then(ok({"nothing": 1}))
    with pytest.raises(WorkersUnavailable):
        await client.email_address("wrk_1")


async def test_files_by_path_and_by_same_origin_url_carry_the_key(
    server: ScriptedServer, client: WorkersClient
) -> None:
    server.then(Answer(200, b"a,b\n"), Answer(200, b"x"))
    assert await client.download_file("/api/workers/wrk_1/files/out.csv", max_bytes=10) == b"a,b\n"
    url = f"{server.url}/api/workers/wrk_1/files/x.txt"
    assert await client.download_file(url, max_bytes=10) == b"x"
    assert all(seen.headers["Authorization"] == f"Bearer {KEY}" for seen in server.seen)


async def test_a_file_on_another_origin_never_gets_the_key(client: WorkersClient) -> None:
    async with scripted_server() as elsewhere:
        elsewhere.then(Answer(200, b"data"))
        assert await client.download_file(f"{elsewhere.url}/f.bin", max_bytes=10) == b"data"
        assert "Authorization" not in elsewhere.seen[0].headers


async def test_a_redirect_to_another_origin_drops_the_key(
    server: ScriptedServer, client: WorkersClient
) -> None:
    async with scripted_server() as storage:
        storage.then(Answer(200, b"blob"))
        server.then(Answer(302, headers={"Location": f"{storage.url}/signed/f.bin"}))
        assert await client.download_file("/api/workers/wrk_1/files/f.bin", max_bytes=10) == b"blob"
        assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"
        assert "Authorization" not in storage.seen[0].headers


async def test_files_over_the_limit_are_refused(
    server: ScriptedServer, client: WorkersClient
) -> None:
    server.then(Answer(200, b"x" * 11), Answer(200, chunks=[b"x" * 6, b"x" * 6]))
    with pytest.raises(WorkersFileTooLarge) as declared:
        await client.download_file("/api/workers/wrk_1/files/a", max_bytes=10)
    assert declared.value.max_bytes == 10
    with pytest.raises(WorkersFileTooLarge):  # chunked: no Content-Length to go by
        await client.download_file("/api/workers/wrk_1/files/b", max_bytes=10)
    server.then(Answer(200, chunks=[b"x" * 5, b"x" * 5]))
    assert await client.download_file("/api/workers/wrk_1/files/c", max_bytes=10) == b"x" * 10


async def test_unknown_file_and_odd_urls(server: ScriptedServer, client: WorkersClient) -> None:
    server.then(err(404, {"error": {"message": "no file"}}))
    with pytest.raises(WorkersNotFound):
        await client.download_file("/api/workers/wrk_1/files/none", max_bytes=10)
    with pytest.raises(WorkersRejected):
        await client.download_file("file:///etc/passwd", max_bytes=10)
    assert len(server.seen) == 1
