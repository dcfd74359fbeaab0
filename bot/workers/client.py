"""``WorkersClient``: the HTTP adapter of ``WorkersPort`` on ``httpx.AsyncClient``.

Errors (all from ``bot.errors``; the key never appears in a message or a log line):

- 401/403 -> ``WorkersUnauthorized``; 404 -> ``WorkersNotFound``;
- 400/409/413/422 -> ``WorkersRejected`` whose ``message`` is the server's own reason
  (``{"error": {"message"}}``, ``{"error": "..."}``, ``{"message": "..."}`` or the text);
- 429 -> ``WorkersRateLimited`` with ``retry_after`` from ``Retry-After`` (seconds or an
  HTTP date);
- 5xx, other statuses, connection errors, timeouts, and a 2xx whose body is not the JSON
  we expect -> ``WorkersUnavailable`` (of these, only 5xx and transport failures are
  ever retried);
- a file over ``max_bytes`` -> ``WorkersFileTooLarge``.

Retry rules:

- Delays are exponential with full jitter, ``backoff_base * 2**attempt`` capped at
  ``backoff_max``; a ``Retry-After`` from the server replaces the drawn delay. At most
  ``max_retries`` retries follow the first attempt. When ``Retry-After`` asks for more
  than ``backoff_max`` seconds the error is raised at once, so that the caller (which may
  hold a Slack request open) decides whether to wait.
- Idempotent calls (GET: retrieve, stream opening, email, files, list schedules; DELETE:
  cancel schedule) are retried on connection errors, timeouts, 5xx and 429.
- Calls that start work (POST: create, continue, create schedule) are never retried once
  the request may have reached the server: only when no connection could be made at all
  (``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``: nothing was sent) or on
  429 (the server refused before doing anything). A 5xx, a read timeout or a broken
  connection on a POST raises ``WorkersUnavailable`` at once: the worker may have been
  started, and only the caller can tell whether to look or to try again.
- Once a stream is open, nothing is retried here: a broken stream ends with
  ``StreamEnd("dropped")`` and the relay decides (see ``bot.workers.retry``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from bot import __version__
from bot.clock import Clock, SystemClock
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
from bot.workers.events import EventDecoder, StreamEnd, StreamEvent
from bot.workers.models import (
    SCHEDULE_ADAPTER,
    Budget,
    CreateSchedule,
    CreateWorker,
    Schedule,
    ScheduleCancelled,
    ScheduleList,
    Worker,
)
from bot.workers.responses import (
    email_from,
    parse_model,
    read_json,
    server_message,
    unexpected_shape,
)
from bot.workers.retry import backoff_delay, parse_retry_after
from bot.workers.sse import SSEParser

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
# The stream is quiet between events; the server sends a keep-alive about every 10 s.
DEFAULT_STREAM_READ_TIMEOUT = 60.0

# Failures where the request cannot have left this process: safe to retry any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE"})


class WorkersClient:
    """The Workers API over HTTP. One instance per process; close it with ``aclose``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
        stream_read_timeout: float = DEFAULT_STREAM_READ_TIMEOUT,
        clock: Clock | None = None,
    ) -> None:
        if not api_key:
            raise ConfigError("the Workers API key is empty")
        self._key = api_key
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._stream_timeout = httpx.Timeout(
            connect=self._timeout.connect,
            read=stream_read_timeout,
            write=self._timeout.write,
            pool=self._timeout.pool,
        )
        self._max_retries = max(0, max_retries)
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._clock: Clock = clock or SystemClock()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": f"slack-workers/{__version__}",
                "Accept": "application/json",
            },
            timeout=self._timeout,
            transport=transport,
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- workers ------------------------------------------------------------------------

    async def create(self, input: str, *, budget: Budget | None = None) -> Worker:
        body = _body(CreateWorker, input=input, budget=budget)
        response = await self._send("POST", "/api/workers", body=body)
        return parse_model(response, Worker, "POST /api/workers")

    async def retrieve(self, worker_id: str) -> Worker:
        path = _worker_path(worker_id)
        response = await self._send("GET", path, worker=worker_id)
        return parse_model(response, Worker, "GET /api/workers/{id}")

    async def continue_(
        self, worker_id: str, input: str, *, budget: Budget | None = None
    ) -> Worker:
        path = _worker_path(worker_id)
        body = _body(CreateWorker, input=input, budget=budget)
        response = await self._send("POST", path, body=body, worker=worker_id)
        return parse_model(response, Worker, "POST /api/workers/{id}")

    async def stream(self, worker_id: str) -> AsyncGenerator[StreamEvent, None]:
        """Events of ``GET /api/workers/{id}/stream``, ending with one ``StreamEnd``.

        Opening errors raise (with GET retries). Once open, the end of the body is
        ``StreamEnd("closed")`` and any failure while reading is ``StreamEnd("dropped")``.
        Close the generator (``contextlib.aclosing``) when leaving early, so the
        connection is released at once.
        """
        path = _worker_path(worker_id) + "/stream"
        response = await self._send(
            "GET",
            path,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-store"},
            timeout=self._stream_timeout,
            stream=True,
            worker=worker_id,
        )
        parser = SSEParser()
        decoder = EventDecoder()
        chunks = response.aiter_bytes()
        try:
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    reason: Literal["closed", "dropped"] = "closed"
                    break
                except (httpx.HTTPError, httpx.StreamError) as exc:
                    reason = "dropped"
                    logger.info(
                        "worker stream dropped (%s)",
                        type(exc).__name__,
                        extra={"worker": worker_id},
                    )
                    break
                for message in parser.feed(chunk):
                    event = decoder.decode(message)
                    if event is not None:
                        yield event
            # A last event without its blank line is incomplete by the standard: dropped.
            for message in parser.close():
                event = decoder.decode(message)
                if event is not None:
                    yield event
            yield StreamEnd(reason, decoder.counts(parser.comments))
        finally:
            await _aclose_iterator(chunks)
            await response.aclose()

    async def email_address(self, worker_id: str) -> str:
        path = _worker_path(worker_id) + "/email"
        response = await self._send("GET", path, worker=worker_id)
        address = email_from(response)
        if not address:
            raise WorkersUnavailable(
                "GET /api/workers/{id}/email answered without an address",
                status=response.status_code,
            )
        return address

    async def download_file(self, url_or_path: str, *, max_bytes: int) -> bytes:
        """The file at ``url_or_path`` (an absolute URL from ``Worker.files``, or a path
        under the API). The key is only sent to the API's own origin."""
        url = self._file_url(url_or_path)
        response = await self._send(
            "GET",
            url,
            headers={"Accept": "*/*"},
            stream=True,
            with_key=self._same_origin(url),
            follow_redirects=True,
        )
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes, response.status_code)
            received = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) > max_bytes:
                        raise _too_large(max_bytes, response.status_code)
            except (httpx.HTTPError, httpx.StreamError) as exc:
                raise WorkersUnavailable(
                    f"file download broke off ({type(exc).__name__})", status=response.status_code
                ) from exc
            return bytes(received)
        finally:
            await response.aclose()

    # --- schedules ----------------------------------------------------------------------

    async def list_schedules(self, worker_id: str) -> list[Schedule]:
        path = _worker_path(worker_id) + "/schedules"
        response = await self._send("GET", path, worker=worker_id)
        return parse_model(response, ScheduleList, "GET /api/workers/{id}/schedules").schedules

    async def create_schedule(self, worker_id: str, body: CreateSchedule) -> Schedule:
        path = _worker_path(worker_id) + "/schedules"
        response = await self._send("POST", path, body=body.wire(), worker=worker_id)
        payload = read_json(response, "POST /api/workers/{id}/schedules")
        try:
            return SCHEDULE_ADAPTER.validate_python(payload)
        except ValidationError as exc:
            raise unexpected_shape("POST /api/workers/{id}/schedules", response, exc) from exc

    async def cancel_schedule(self, worker_id: str, schedule_id: str) -> bool:
        path = f"{_worker_path(worker_id)}/schedules/{_segment(schedule_id, 'schedule')}"
        response = await self._send("DELETE", path, worker=worker_id)
        label = "DELETE /api/workers/{id}/schedules/{id}"
        return parse_model(response, ScheduleCancelled, label).cancelled

    # --- transport and retries ----------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,  # noqa: ASYNC109 -- httpx's own per-request timeouts
        stream: bool = False,
        worker: str | None = None,
        with_key: bool = True,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """One call with the retry rules of the module docstring; a 2xx response or raise.

        With ``stream=True`` the caller must close the response it gets back.
        """
        idempotent = method in _IDEMPOTENT
        label = f"{method} {_path_of(url)}"
        attempt = 0
        while True:
            request = self._http.build_request(
                method, url, json=body, headers=headers, timeout=timeout or self._timeout
            )
            if not with_key:
                del request.headers["Authorization"]
            retry_after: float | None = None
            error: WorkersApiError
            try:
                response = await self._http.send(
                    request, stream=stream, follow_redirects=follow_redirects
                )
            except _NOT_SENT as exc:
                error = WorkersUnavailable(f"{label}: cannot connect ({type(exc).__name__})")
                retryable = True
                cause: BaseException = exc
            except httpx.HTTPError as exc:
                error = WorkersUnavailable(f"{label}: no answer ({type(exc).__name__})")
                retryable = idempotent
                cause = exc
            else:
                if response.is_success:
                    return response
                error = await self._error_for(response, label)
                cause = error
                status = response.status_code
                retryable = status == 429 or (idempotent and status >= 500)
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), self._clock.now()
                )
            if not retryable or attempt >= self._max_retries:
                raise error from (None if cause is error else cause)
            if retry_after is not None and retry_after > self._backoff_max:
                raise error from (None if cause is error else cause)
            delay = backoff_delay(attempt, self._backoff_base, self._backoff_max, retry_after)
            logger.warning(
                "Workers API %s failed (%s); retry %d of %d in %.2fs",
                label,
                error.status if error.status is not None else type(cause).__name__,
                attempt + 1,
                self._max_retries,
                delay,
                extra={"worker": worker} if worker else None,
            )
            await self._clock.sleep(delay)
            attempt += 1

    async def _error_for(self, response: httpx.Response, label: str) -> WorkersApiError:
        """The mapped error of a non-2xx answer; reads and closes the response."""
        try:
            body = (await response.aread()).decode("utf-8", errors="replace")
        except httpx.HTTPError:
            body = ""
        finally:
            await response.aclose()
        status = response.status_code
        reason = self._scrub(server_message(body) or response.reason_phrase or "no reason given")
        described = f"{label} answered {status}: {reason}"
        if status in (401, 403):
            return WorkersUnauthorized(described, status=status)
        if status == 404:
            return WorkersNotFound(described, status=status)
        if status in (400, 409, 413, 422):
            return WorkersRejected(reason, status=status)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock.now())
            return WorkersRateLimited(described, status=status, retry_after=retry_after)
        return WorkersUnavailable(described, status=status)

    def _scrub(self, text: str) -> str:
        # A server that echoes the key back must not get it into our logs.
        return text.replace(self._key, "[key]")

    def _file_url(self, url_or_path: str) -> str:
        if "://" in url_or_path:
            scheme = url_or_path.split("://", 1)[0].lower()
            if scheme not in ("http", "https"):
                raise WorkersRejected(f"not an HTTP file URL (scheme {scheme!r})")
            return url_or_path
        if not url_or_path.strip("/"):
            raise WorkersNotFound("empty file path")
        return url_or_path

    def _same_origin(self, url: str) -> bool:
        if "://" not in url:
            return True  # a path is resolved against the API's base URL
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        base = self._http.base_url
        return (target.scheme, target.host, _port(target)) == (base.scheme, base.host, _port(base))


# --- helpers ----------------------------------------------------------------------------


def _segment(value: str, what: str) -> str:
    if not value:
        raise WorkersNotFound(f"empty {what} id")
    # safe="": an id holding "/" or "?" must stay one path segment.
    return quote(value, safe="")


def _worker_path(worker_id: str) -> str:
    return f"/api/workers/{_segment(worker_id, 'worker')}"


def _path_of(url: str) -> str:
    """The path of ``url`` for messages: never the query, never a host's credentials."""
    if "://" in url:
        try:
            return httpx.URL(url).path
        except httpx.InvalidURL:
            return "<file URL>"
    return url.split("?", 1)[0]


def _port(url: httpx.URL) -> int | None:
    if url.port is not None:
        return url.port
    return {"http": 80, "https": 443}.get(url.scheme)


def _body(model: type[CreateWorker], **fields: Any) -> dict[str, Any]:
    try:
        return model(**fields).wire()
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, err["loc"])) for err in exc.errors())
        raise WorkersRejected(f"invalid request ({where})") from exc


def _too_large(max_bytes: int, status: int) -> WorkersFileTooLarge:
    return WorkersFileTooLarge(
        f"the file is larger than {max_bytes} bytes", max_bytes=max_bytes, status=status
    )


async def _aclose_iterator(iterator: AsyncIterator[bytes]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
