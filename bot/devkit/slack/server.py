"""The fake Slack over HTTP (aiohttp): Web API, upload URLs, response URLs, Socket Mode.

Routes:
    GET|POST /api/<method>          Web API; query, form, multipart or JSON parameters;
                                    ``Authorization: Bearer <token>`` or a ``token`` param
    POST     /upload/<file_id>      upload URL from files.getUploadURLExternal
    POST     /response_url/<token>  response URL of a slash command or an action
    GET      /socket-mode/<id>      Socket Mode websocket (from apps.connections.open)

``running_fake_slack`` starts one on 127.0.0.1 (port 0 picks a free port); ``extend``
adds routes to the same app (the local sandbox's page and endpoints).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.devkit.slack.fake import Answer, FakeSlack

_FAKE_KEY = web.AppKey("fake_slack", FakeSlack)


def _reply(answer: Answer) -> web.Response:
    return web.json_response(answer.body, status=answer.status, headers=answer.headers)


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return {**params, "_invalid_json": True}
        if isinstance(body, dict):
            params.update(body)
    else:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


async def _api(request: web.Request) -> web.Response:
    fake = request.app[_FAKE_KEY]
    params = await _read_params(request)
    if params.pop("_invalid_json", False):
        return web.json_response({"ok": False, "error": "invalid_json"})
    token = params.pop("token", None)
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ").strip()
    return _reply(fake.perform(request.match_info["method"], params, token))


async def _upload(request: web.Request) -> web.Response:
    fake = request.app[_FAKE_KEY]
    file = fake.state.files.get(request.match_info["file_id"])
    if file is None or file.completed:
        return web.Response(status=404, text="file_not_found")
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        content = b""
        async for part in reader:
            if getattr(part, "filename", None) is not None or not content:
                content = await part.read()  # type: ignore[union-attr]
    else:
        content = await request.read()
    file.content = content
    return web.Response(text=f"OK - {len(content)}")


async def _response_url(request: web.Request) -> web.Response:
    fake = request.app[_FAKE_KEY]
    try:
        body = json.loads(await request.text())
    except ValueError:
        return web.json_response({"ok": False, "error": "invalid_json"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"ok": False, "error": "invalid_json"}, status=400)
    return _reply(fake.post_response_url(request.match_info["token"], body))


async def _socket_mode(request: web.Request) -> web.StreamResponse:
    return await request.app[_FAKE_KEY].socket_mode.handle(request)


Extension = Callable[[web.Application, FakeSlack], None]


def build_web_app(fake: FakeSlack, extend: Extension | None = None) -> web.Application:
    app = web.Application()
    app[_FAKE_KEY] = fake
    app.router.add_route("GET", "/api/{method}", _api)
    app.router.add_route("POST", "/api/{method}", _api)
    app.router.add_post("/upload/{file_id}", _upload)
    app.router.add_post("/response_url/{token}", _response_url)
    app.router.add_get("/socket-mode/{connection}", _socket_mode)
    if extend is not None:
        extend(app, fake)
    return app


@asynccontextmanager
async def running_fake_slack(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    rate_limits: bool = True,
    rate_scale: float = 1.0,
    stream_max_age: float = 300.0,
    extend: Extension | None = None,
) -> AsyncIterator[FakeSlack]:
    """Serves a fresh ``FakeSlack``; ``fake.url`` is its base, the Web API is ``url/api/``."""
    fake = FakeSlack(
        clock=clock, rate_limits=rate_limits, rate_scale=rate_scale, stream_max_age=stream_max_age
    )
    runner = web.AppRunner(build_web_app(fake, extend), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        fake.bind(f"http://{host}:{bound_port}")
        yield fake
    finally:
        await fake.socket_mode.close()
        await runner.cleanup()
