"""The sandbox's HTTP endpoints without a browser: what reaches the bot, signed as Slack
signs it, and what the page is shown (``/sandbox/state``, ``/sandbox/events``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.sandbox import Sandbox
from bot.devkit.slack import running_fake_slack
from tests.browser.conftest import ScriptedBot

ALICE, BOB, GENERAL = "U0ALICE", "U0BOB", "C0GENERAL"


async def _post(bot: ScriptedBot, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{bot.fake.url}/sandbox/{path}", json=body) as response,
    ):
        return response.status, await response.json()


async def _state(bot: ScriptedBot, user: str = ALICE) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{bot.fake.url}/sandbox/state", params={"user": user}) as response,
    ):
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


def _client(bot: ScriptedBot) -> AsyncWebClient:
    return AsyncWebClient(token=bot.fake.bot_token, base_url=f"{bot.fake.url}/api/")


async def test_the_page_and_its_assets_are_served(scripted_bot: ScriptedBot) -> None:
    async with aiohttp.ClientSession() as session:
        for path, kind, marker in [
            ("/", "text/html", "sandbox.js"),
            ("/sandbox/sandbox.js", "text/javascript", "EventSource"),
            ("/sandbox/sandbox.css", "text/css", ".modal"),
        ]:
            async with session.get(scripted_bot.fake.url + path) as response:
                assert response.status == 200
                assert response.content_type == kind
                assert marker in await response.text()


async def test_a_slash_command_reaches_the_bot_signed_and_its_ack_is_shown_to_the_user(
    scripted_bot: ScriptedBot,
) -> None:
    scripted_bot.reply = lambda kind, body: (200, {"response_type": "ephemeral", "text": "On it"})
    status, answer = await _post(
        scripted_bot, "command", {"user": ALICE, "channel": GENERAL, "text": "/worker  do it "}
    )
    assert (status, answer["delivered"]) == (200, True)
    [form] = scripted_bot.of_kind("command")
    assert (form["command"], form["text"], form["user_id"]) == ("/worker", "do it", ALICE)
    assert form["channel_id"] == GENERAL
    assert form["response_url"].startswith(scripted_bot.fake.url + "/response_url/")
    assert scripted_bot.bad_signatures == 0
    alice, bob = await _state(scripted_bot, ALICE), await _state(scripted_bot, BOB)
    assert [e["text"] for e in alice["ephemerals"]] == ["On it"]
    assert bob["ephemerals"] == []


async def test_an_unknown_command_is_answered_by_slack_and_not_delivered(
    scripted_bot: ScriptedBot,
) -> None:
    status, answer = await _post(
        scripted_bot, "command", {"user": ALICE, "channel": GENERAL, "text": "/nope x"}
    )
    assert (status, answer["delivered"]) == (200, False)
    assert scripted_bot.received == []
    [shown] = (await _state(scripted_bot))["ephemerals"]
    assert "`/nope` is not a valid command" in shown["text"]


async def test_a_failing_bot_gets_slacks_failure_notice(scripted_bot: ScriptedBot) -> None:
    scripted_bot.reply = lambda kind, body: (500, "boom")
    await _post(scripted_bot, "command", {"user": ALICE, "channel": GENERAL, "text": "/worker x"})
    [shown] = (await _state(scripted_bot))["ephemerals"]
    assert 'failed with the error "dispatch_failed"' in shown["text"]


async def test_a_mention_and_a_thread_reply_are_delivered_as_events(
    scripted_bot: ScriptedBot,
) -> None:
    status, sent = await _post(
        scripted_bot, "message", {"user": BOB, "channel": GENERAL, "text": "<@U0BOT> hello"}
    )
    assert status == 200
    kinds = [body["event"]["type"] for body in scripted_bot.of_kind("event")]
    assert kinds == ["message", "app_mention"]
    await _post(
        scripted_bot,
        "message",
        {"user": BOB, "channel": GENERAL, "text": "more", "thread_ts": sent["ts"]},
    )
    reply = scripted_bot.of_kind("event")[-1]["event"]
    assert (reply["text"], reply["thread_ts"]) == ("more", sent["ts"])
    root, shown_reply = (await _state(scripted_bot, BOB))["messages"][GENERAL]
    assert [root["ts"], root["reply_count"]] == [sent["ts"], 1]
    assert (shown_reply["text"], shown_reply["thread_ts"]) == ("more", sent["ts"])


async def test_a_button_click_is_delivered_as_a_block_action(scripted_bot: ScriptedBot) -> None:
    posted = await _client(scripted_bot).chat_postMessage(
        channel=GENERAL,
        text="pick",
        blocks=[
            {
                "type": "actions",
                "block_id": "b1",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "go",
                        "value": "v1",
                        "text": {"type": "plain_text", "text": "Go"},
                    }
                ],
            }
        ],
    )
    status, _ = await _post(
        scripted_bot,
        "action",
        {"user": ALICE, "channel": GENERAL, "message_ts": posted["ts"], "action_id": "go"},
    )
    assert status == 200
    [payload] = scripted_bot.of_kind("block_actions")
    action = payload["actions"][0]
    assert (action["action_id"], action["value"], action["block_id"]) == ("go", "v1", "b1")
    assert payload["user"]["id"] == ALICE


async def _open_modal(bot: ScriptedBot) -> str:
    view = {
        "type": "modal",
        "callback_id": "form",
        "title": {"type": "plain_text", "text": "Form"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "task",
                "label": {"type": "plain_text", "text": "Task"},
                "element": {"type": "plain_text_input", "action_id": "task"},
            }
        ],
    }
    opened = await _client(bot).views_open(trigger_id=bot.fake.new_trigger(ALICE), view=view)
    return str(opened["view"]["id"])


async def test_modal_errors_are_shown_inline_and_a_clean_submission_closes_it(
    scripted_bot: ScriptedBot,
) -> None:
    view_id = await _open_modal(scripted_bot)
    modal = (await _state(scripted_bot))["modal"]
    assert (modal["id"], modal["blocks"][0]["block_id"]) == (view_id, "task")

    def reply(kind: str, body: dict[str, Any]) -> tuple[int, Any]:
        value = body["view"]["state"]["values"]["task"]["task"]["value"]
        if not value:
            return 200, {"response_action": "errors", "errors": {"task": "Say what to do."}}
        return 200, None

    scripted_bot.reply = reply
    status, answer = await _post(
        scripted_bot, "view_submission", {"user": ALICE, "view_id": view_id, "values": {}}
    )
    assert (status, answer["errors"]) == (200, {"task": "Say what to do."})
    assert (await _state(scripted_bot))["modal"]["errors"] == {"task": "Say what to do."}
    await _post(
        scripted_bot,
        "view_submission",
        {"user": ALICE, "view_id": view_id, "values": {"task": "write it"}},
    )
    assert (await _state(scripted_bot))["modal"] is None
    assert len(scripted_bot.of_kind("view_submission")) == 2


async def test_closing_a_modal_needs_no_bot(scripted_bot: ScriptedBot) -> None:
    view_id = await _open_modal(scripted_bot)
    status, _ = await _post(scripted_bot, "view_close", {"user": ALICE, "view_id": view_id})
    assert status == 200
    assert (await _state(scripted_bot))["modal"] is None
    assert scripted_bot.received == []
    status, answer = await _post(scripted_bot, "view_close", {"user": BOB, "view_id": view_id})
    assert status == 400
    assert "no modal" in answer["error"]


async def test_uploaded_files_can_be_downloaded_from_the_page(scripted_bot: ScriptedBot) -> None:
    await _client(scripted_bot).files_upload_v2(
        channel=GENERAL, content="a,b\n1,2\n", filename="report.csv", title="Report"
    )
    [message] = (await _state(scripted_bot))["messages"][GENERAL]
    [file] = message["files"]
    assert (file["name"], file["title"], file["size"]) == ("report.csv", "Report", 8)
    async with (
        aiohttp.ClientSession() as session,
        session.get(scripted_bot.fake.url + file["url"]) as response,
    ):
        assert await response.read() == b"a,b\n1,2\n"


async def test_bad_requests_are_refused_with_the_reason(scripted_bot: ScriptedBot) -> None:
    status, answer = await _post(
        scripted_bot, "message", {"user": "U0NOBODY", "channel": GENERAL, "text": "x"}
    )
    assert (status, answer["error"]) == (400, "unknown user U0NOBODY")
    status, answer = await _post(scripted_bot, "message", {"user": ALICE, "channel": GENERAL})
    assert (status, answer["error"]) == (400, "missing text")
    status, answer = await _post(
        scripted_bot, "message", {"user": ALICE, "channel": "C0NONE", "text": "x"}
    )
    assert (status, answer["error"]) == (400, "unknown channel C0NONE")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{scripted_bot.fake.url}/sandbox/message", data=b"{") as response,
    ):
        assert response.status == 400
    assert scripted_bot.received == []


async def _next_event(response: aiohttp.ClientResponse) -> dict[str, Any]:
    while True:
        line = (await response.content.readline()).decode()
        if line.startswith("data: "):
            event: dict[str, Any] = json.loads(line.removeprefix("data: "))
            return event


async def test_events_announce_every_change_and_end_when_the_server_stops() -> None:
    sandbox = Sandbox()
    async with aiohttp.ClientSession() as session, contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(running_fake_slack(extend=sandbox.install))
        response = await session.get(f"{fake.url}/sandbox/events")
        first = await _next_event(response)
        client = AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")
        await client.chat_postMessage(channel=GENERAL, text="hello")
        later = await _next_event(response)
        assert later["version"] > first["version"] == 0
        # stopping the server with a page still listening ends the stream; without that
        # aiohttp waits a minute for the handler, which the deadline here would catch
        await asyncio.wait_for(stack.aclose(), timeout=10)
        await asyncio.wait_for(response.content.read(), timeout=10)
        assert response.content.at_eof()
