"""The sandbox's HTTP side, added to the fake Slack's aiohttp app (one server for both).

Routes:
    GET  /                        the page (``index.html``; ``sandbox.js``, ``sandbox.css``)
    GET  /sandbox/state?user=U..  what that user sees (``snapshot.py``)
    GET  /sandbox/events          server-sent events: ``data: {"version": n}`` per change
    GET  /sandbox/files/<id>      an uploaded file's bytes
    POST /sandbox/command         ``{user, channel, text}``, text is ``/worker ...``
    POST /sandbox/message         ``{user, channel, text, thread_ts?}``
    POST /sandbox/action          ``{user, channel, message_ts, action_id, block_id?, value?}``
    POST /sandbox/view_action     ``{user, view_id, block_id, values}``: an input with
                                  ``dispatch_action`` changed (a select, Enter in a field)
    POST /sandbox/view_submission ``{user, view_id, values: {block_id: value}}``
    POST /sandbox/view_close      ``{user, view_id}``
    POST /sandbox/home            ``{user}``: the user opened the App Home tab

Everything the user does goes to the bot through ``SlackDriver``, signed, as Slack sends
it; what Slack itself shows in reply (a slash command's acknowledgement, a command that
failed, inline modal errors) is applied here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.devkit.sandbox.snapshot import FILE_PATH, snapshot
from bot.devkit.slack import payloads
from bot.devkit.slack.driver import BotResponse, DriverError, SlackDriver
from bot.devkit.slack.fake import FakeSlack
from bot.devkit.slack.state import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Ephemeral, Message
from bot.devkit.slack.view_state import ViewStateError, build_state_values
from bot.errors import SlackWorkersError

logger = logging.getLogger(__name__)

_STATIC = {
    "/": ("index.html", "text/html"),
    "/sandbox/sandbox.js": ("sandbox.js", "text/javascript"),
    "/sandbox/sandbox.css": ("sandbox.css", "text/css"),
}
KEEPALIVE_SECONDS = 15.0
EVENT_GAP_SECONDS = 0.05  # at most ~20 change events a second; the page refetches on each


Action = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class BadRequest(SlackWorkersError):
    """The page sent something the sandbox cannot act on; answered with HTTP 400."""


def _str(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"missing {name}")
        return None
    return str(value)


class Sandbox:
    """The local Slack sandbox: install it on the fake's app, then connect it to the bot.

    ``command`` is the slash command the bot registered (``/worker`` by default).
    """

    def __init__(self, *, command: str = "/worker") -> None:
        self.command = command
        self.view_errors: dict[str, dict[str, str]] = {}
        self._fake: FakeSlack | None = None
        self._driver: SlackDriver | None = None
        self._closing = asyncio.Event()

    # --- wiring -------------------------------------------------------------------
    def install(self, app: web.Application, fake: FakeSlack) -> None:
        """The fake Slack's ``extend`` hook: adds the page and the sandbox endpoints."""
        self._fake = fake
        for path in _STATIC:
            app.router.add_get(path, self._static)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_get("/sandbox/events", self._events)
        app.router.add_get(FILE_PATH + "{file_id}", self._file)
        posts = {
            "command": self._command,
            "message": self._message,
            "action": self._action,
            "view_action": self._view_action,
            "view_submission": self._view_submission,
            "view_close": self._view_close,
            "home": self._home,
        }
        for name, handler in posts.items():
            app.router.add_post(f"/sandbox/{name}", self._guarded(handler))
        app.on_shutdown.append(self._shutdown)

    def connect(self, bot_url: str) -> None:
        """Where the bot listens (``http://host:port``); user actions go there."""
        self._driver = SlackDriver(self.fake, bot_url, self.fake.signing_secret)

    @property
    def fake(self) -> FakeSlack:
        if self._fake is None:
            raise BadRequest("the sandbox is not installed on a fake Slack")
        return self._fake

    @property
    def driver(self) -> SlackDriver:
        if self._driver is None:
            raise BadRequest("the bot is not connected yet")
        return self._driver

    async def _shutdown(self, _: web.Application) -> None:
        self._closing.set()  # ends the open event streams so the server can stop

    # --- reads --------------------------------------------------------------------
    async def _static(self, request: web.Request) -> web.Response:
        name, content_type = _STATIC[request.path]
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        return web.Response(
            text=text, content_type=content_type, headers={"Cache-Control": "no-store"}
        )

    async def _state(self, request: web.Request) -> web.Response:
        user = request.query.get("user") or "U0ALICE"
        if user not in self.fake.state.users or user == BOT_USER_ID:
            return web.json_response({"error": f"unknown user {user}"}, status=400)
        body = snapshot(self.fake, user, command=self.command, errors=self.view_errors)
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def _file(self, request: web.Request) -> web.Response:
        file = self.fake.state.files.get(request.match_info["file_id"])
        if file is None or file.content is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=file.content,
            content_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{file.name}"'},
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Pushes the state's version after each change (coalesced), plus keep-alives."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        moved = asyncio.Event()
        unsubscribe = self.fake.state.subscribe(lambda _version: moved.set())
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await response.write(self._event(self.fake.state.version))
            while not self._closing.is_set():
                waiting = asyncio.ensure_future(moved.wait())
                done, _ = await asyncio.wait(
                    {waiting, closing},
                    timeout=KEEPALIVE_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waiting.cancel()
                if closing in done:
                    break
                if waiting in done:
                    moved.clear()
                    await response.write(self._event(self.fake.state.version))
                    await asyncio.sleep(EVENT_GAP_SECONDS)
                else:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass  # the page went away or the server stops
        finally:
            closing.cancel()
            unsubscribe()
        return response

    @staticmethod
    def _event(version: int) -> bytes:
        return f"data: {json.dumps({'version': version})}\n\n".encode()

    # --- what the user does -------------------------------------------------------
    def _guarded(self, handler: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
        """JSON in, ``{"ok": true, ...}`` out; what the page got wrong is a 400 with why."""

        async def guarded(request: web.Request) -> web.Response:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "invalid JSON"}, status=400)
            if not isinstance(body, dict):
                return web.json_response({"ok": False, "error": "expected an object"}, status=400)
            try:
                result: dict[str, Any] = await handler(body)
            except (BadRequest, DriverError, ViewStateError) as exc:
                ids = {"user": body.get("user"), "channel": body.get("channel")}
                logger.info("sandbox: refused %s", request.path, extra=ids)
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
            finally:
                self.fake.state.changed()  # the page refetches after anything it did
            return web.json_response({"ok": True, **result})

        return guarded

    def _user(self, body: dict[str, Any]) -> str:
        user = _str(body, "user")
        assert user is not None
        if user not in self.fake.state.users or user == BOT_USER_ID:
            raise BadRequest(f"unknown user {user}")
        return user

    async def _command(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel = self._user(body), _str(body, "channel")
        assert channel is not None
        text = (_str(body, "text") or "").strip()
        name, _, rest = text.partition(" ")
        if name != self.command:
            self._say(channel, user, f"`{name}` is not a valid command. Try `{self.command}`.")
            return {"delivered": False}
        response = await self.driver.slash_command(user, channel, rest.strip(), self.command)
        self._apply_command_ack(channel, user, response)
        return {"delivered": True, "status": response.status}

    def _apply_command_ack(self, channel: str, user: str, response: BotResponse) -> None:
        """Slack shows a slash command's acknowledgement body, and says when it failed."""
        if response.status != 200:
            self._say(channel, user, f'{self.command} failed with the error "dispatch_failed"')
            return
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.body}  # a plain-text acknowledgement
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        text, blocks = str(answer.get("text") or ""), list(answer.get("blocks") or [])
        state = self.fake.state
        if answer.get("response_type") == "in_channel":
            state.add_message(
                Message(channel, state.next_ts(), text, BOT_USER_ID, blocks, bot_id="B0BOT")
            )
        else:
            state.ephemerals.append(Ephemeral(channel, user, state.next_ts(), text, blocks, None))

    def _say(self, channel: str, user: str, text: str) -> None:
        """An ephemeral from Slack itself (Slackbot), as it answers a broken command."""
        state = self.fake.state
        state.ephemerals.append(Ephemeral(channel, user, state.next_ts(), text, [], None))

    async def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel, text = self._user(body), _str(body, "channel"), _str(body, "text")
        assert channel is not None and text is not None
        sent = await self.driver.message(
            user, channel, text, _str(body, "thread_ts", required=False)
        )
        return {"ts": sent.ts, "delivered": len(sent.events)}

    async def _action(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel, ts = self._user(body), _str(body, "channel"), _str(body, "message_ts")
        action_id = _str(body, "action_id")
        assert channel is not None and ts is not None and action_id is not None
        response = await self.driver.block_action(
            user,
            channel,
            ts,
            action_id,
            value=_str(body, "value", required=False),
            block_id=_str(body, "block_id", required=False),
        )
        return {"status": response.status}

    async def _view_submission(self, body: dict[str, Any]) -> dict[str, Any]:
        user, view_id = self._user(body), _str(body, "view_id")
        assert view_id is not None
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise BadRequest("values must be an object")
        response = await self.driver.view_submission(user, view_id, values)
        answer = response.json() if response.status == 200 and response.body else None
        errors: dict[str, str] = {}
        if isinstance(answer, dict) and answer.get("response_action") == "errors":
            errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
        if errors:
            self.view_errors[view_id] = errors
        else:
            self.view_errors.pop(view_id, None)
        return {"status": response.status, "errors": errors}

    async def _view_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """A ``block_actions`` from inside a modal, with the view's current state."""
        user, view_id, block_id = self._user(body), _str(body, "view_id"), _str(body, "block_id")
        view = self.fake.state.views.get(view_id or "")
        if view is None or view.closed or view.user != user:
            raise BadRequest(f"no open modal {view_id} for {user}")
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise BadRequest("values must be an object")
        state = build_state_values(view.definition, values)
        if block_id not in state:
            raise BadRequest(f"the modal has no input {block_id}")
        [(action_id, element)] = state[block_id].items()
        shown = view.as_api()
        shown["state"] = {"values": state}
        payload = {
            "type": "block_actions",
            "user": payloads.user_ref(self.fake.state.users[user]),
            "api_app_id": APP_ID,
            "token": payloads.VERIFICATION_TOKEN,
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self.fake.new_trigger(user),
            "container": {"type": "view", "view_id": view.id},
            "view": shown,
            "actions": [
                {
                    **element,
                    "action_id": action_id,
                    "block_id": block_id,
                    "action_ts": self.fake.state.next_ts(),
                }
            ],
        }
        form = urlencode({"payload": json.dumps(payload)})
        headers = {"content-type": "application/x-www-form-urlencoded"}
        response = await self.driver.post_signed(form, headers)
        return {"status": response.status}

    async def _view_close(self, body: dict[str, Any]) -> dict[str, Any]:
        user, view_id = self._user(body), _str(body, "view_id")
        view = self.fake.state.views.get(view_id or "")
        if view is None or view.user != user:
            raise BadRequest(f"no modal {view_id} for {user}")
        view.closed = True  # the bot asked for no view_closed events (notify_on_close)
        self.view_errors.pop(view.id, None)
        return {}

    async def _home(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.driver.app_home_opened(self._user(body))
        return {"status": response.status}
