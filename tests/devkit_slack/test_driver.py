"""The driver plays Slack: signed requests a real Bolt app accepts (and bad ones it refuses),
payloads shaped like Slack's, and the fake's state kept in step."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import DriverError, FakeSlack, SlackDriver


@dataclass
class Seen:
    """What the Bolt app under test received, by listener."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def build_bolt_app(fake: FakeSlack, seen: Seen) -> AsyncApp:
    client = AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")
    app = AsyncApp(signing_secret=fake.signing_secret, client=client)

    @app.middleware
    async def note_retries(request: Any, next: Any) -> Any:
        seen.retries.extend(request.headers.get("x-slack-retry-num", []))
        return await next()

    @app.command("/worker")
    async def command(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        await ack()
        seen.events.append(("command", body))
        await respond(f"got: {body['text']}")

    @app.event("app_mention")
    async def mention(body: dict[str, Any]) -> None:
        seen.events.append(("app_mention", body))

    @app.message()
    async def message(body: dict[str, Any]) -> None:
        seen.events.append(("message", body))

    @app.action("go")
    async def action(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        seen.events.append(("action", body))
        await respond(text="clicked", replace_original=True)

    @app.view("schedule_create")
    async def view(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.events.append(("view", body))
        task = body["view"]["state"]["values"]["task"]["task"]["value"]
        if task == "bad":
            await ack(response_action="errors", errors={"task": "say more"})
        else:
            await ack()

    @app.event("app_home_opened")
    async def home(body: dict[str, Any], client: AsyncWebClient) -> None:
        seen.events.append(("app_home_opened", body))

    return app


@pytest.fixture
async def bolt(fake_slack: FakeSlack) -> AsyncIterator[tuple[SlackDriver, Seen]]:
    seen = Seen()
    runner, url = await serve(build_bolt_app(fake_slack, seen).web_app(path="/slack/events"))
    try:
        yield SlackDriver(fake_slack, url, fake_slack.signing_secret), seen
    finally:
        await runner.cleanup()


async def test_signatures_verify_with_slack_sdk(fake_slack: FakeSlack) -> None:
    captured: list[tuple[bytes, dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        captured.append((await request.read(), dict(request.headers)))
        return web.Response(text="")

    recorder = web.Application()
    recorder.router.add_post("/slack/events", record)
    runner, url = await serve(recorder)
    try:
        driver = SlackDriver(fake_slack, url, fake_slack.signing_secret)
        await driver.slash_command("U0ALICE", "C0GENERAL", "hello")
        await driver.post_signed(b'{"type":"x"}', bad_signature=True)
        await driver.post_signed(b'{"type":"x"}', stale=True)
    finally:
        await runner.cleanup()
    verifier = SignatureVerifier(fake_slack.signing_secret)
    assert [verifier.is_valid_request(body, headers) for body, headers in captured] == [
        True,
        False,
        False,
    ]


async def test_bolt_refuses_a_bad_or_stale_signature(bolt: tuple[SlackDriver, Seen]) -> None:
    driver, seen = bolt
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})
    assert (await driver.post_signed(body, bad_signature=True)).status == 401
    assert (await driver.post_signed(body, stale=True)).status == 401
    assert seen.events == []


async def test_slash_command_with_trigger_and_response_url(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen]
) -> None:
    driver, seen = bolt
    response = await driver.slash_command("U0ALICE", "C0GENERAL", "summarise the news")
    assert response.status == 200
    await fake_slack.wait_for(lambda: fake_slack.ephemerals("U0ALICE"))
    ((kind, body),) = seen.events
    assert kind == "command"
    assert (body["text"], body["channel_id"]) == ("summarise the news", "C0GENERAL")
    assert body["trigger_id"] in fake_slack.state.triggers
    assert [e.text for e in fake_slack.ephemerals("U0ALICE")] == ["got: summarise the news"]
    assert fake_slack.response_url_posts[0].body["text"] == "got: summarise the news"


async def test_a_mention_arrives_as_two_events_and_is_stored(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen]
) -> None:
    driver, seen = bolt
    sent = await driver.message("U0BOB", "C0GENERAL", "<@U0BOT> write a haiku")
    assert [r.status for r in sent.responses] == [200, 200]
    await fake_slack.wait_for(lambda: len(seen.events) == 2)
    kinds = sorted(kind for kind, _ in seen.events)
    assert kinds == ["app_mention", "message"]
    event_ids = {body["event_id"] for _, body in seen.events}
    assert len(event_ids) == 2
    for _, body in seen.events:
        assert body["event"]["ts"] == sent.ts and body["team_id"] == "T0001"
        assert body["authorizations"][0]["user_id"] == "U0BOT"
    message_event = next(body["event"] for kind, body in seen.events if kind == "message")
    assert message_event["channel_type"] == "channel"
    assert fake_slack.visible_text("C0GENERAL", sent.ts) == "<@U0BOT> write a haiku"


async def test_dm_and_thread_reply_and_no_events_where_the_bot_is_absent(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen]
) -> None:
    driver, seen = bolt
    root = await driver.message("U0ALICE", "D0ALICE", "<@U0BOT> hello")  # no app_mention in DMs
    reply = await driver.message("U0ALICE", "D0ALICE", "more", thread_ts=root.ts)
    assert reply.events[0]["event"]["thread_ts"] == root.ts
    assert reply.events[0]["event"]["channel_type"] == "im"
    outside = await driver.message("U0BOB", "C0RANDOM", "<@U0BOT> are you here?")
    assert outside.events == [] and outside.responses == []
    await fake_slack.wait_for(lambda: len(seen.events) == 2)
    assert [kind for kind, _ in seen.events] == ["message", "message"]
    with pytest.raises(DriverError):
        await driver.message("U0ALICE", "D0ALICE", "x", thread_ts="1700000000.000001")


async def test_retry_carries_slack_headers(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen]
) -> None:
    driver, seen = bolt
    sent = await driver.message("U0ALICE", "G0PRIVATE", "hello private")
    assert sent.events[0]["event"]["channel_type"] == "group"
    await driver.retry(sent.events[0], 1)
    await fake_slack.wait_for(lambda: len(seen.events) == 2)
    assert seen.retries == ["1"]
    assert seen.events[0][1]["event_id"] == seen.events[1][1]["event_id"]


async def test_block_action_on_a_bot_message(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen], slack_client: AsyncWebClient
) -> None:
    driver, seen = bolt
    buttons = {
        "type": "actions",
        "block_id": "turn",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Go"},
                "action_id": "go",
                "value": "w1",
            }
        ],
    }
    posted = await slack_client.chat_postMessage(channel="C0GENERAL", text="t", blocks=[buttons])
    await driver.block_action("U0CAROL", "C0GENERAL", posted["ts"], "go")
    await fake_slack.wait_for(
        lambda: fake_slack.visible_text("C0GENERAL", posted["ts"]) == "clicked"
    )
    action = seen.events[0][1]["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"]) == ("go", "turn", "w1")
    with pytest.raises(DriverError):
        await driver.block_action("U0CAROL", "C0GENERAL", posted["ts"], "missing")


async def test_view_submission_closes_or_keeps_the_modal(
    fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen], slack_client: AsyncWebClient
) -> None:
    driver, _seen = bolt
    modal = {
        "type": "modal",
        "callback_id": "schedule_create",
        "title": {"type": "plain_text", "text": "Schedule"},
        "submit": {"type": "plain_text", "text": "Create"},
        "blocks": [
            {
                "type": "input",
                "block_id": "task",
                "label": {"type": "plain_text", "text": "Task"},
                "element": {"type": "plain_text_input", "action_id": "task"},
            }
        ],
    }
    opened = await slack_client.views_open(trigger_id=fake_slack.new_trigger("U0BOB"), view=modal)
    view_id = opened["view"]["id"]
    refused = await driver.view_submission("U0BOB", view_id, {"task": "bad"})
    assert refused.json() == {"response_action": "errors", "errors": {"task": "say more"}}
    assert [v.id for v in fake_slack.open_modals("U0BOB")] == [view_id]
    accepted = await driver.view_submission("U0BOB", view_id, {"task": "daily digest"})
    assert accepted.status == 200 and fake_slack.open_modals("U0BOB") == []


async def test_app_home_opened(fake_slack: FakeSlack, bolt: tuple[SlackDriver, Seen]) -> None:
    driver, seen = bolt
    response = await driver.app_home_opened("U0CAROL")
    assert response.status == 200
    await fake_slack.wait_for(lambda: seen.events)
    event = seen.events[0][1]["event"]
    assert (event["type"], event["user"], event["tab"]) == ("app_home_opened", "U0CAROL", "home")


async def test_response_url_works_five_times(fake_slack: FakeSlack) -> None:
    url = fake_slack.new_response_url("C0GENERAL", "U0ALICE")
    statuses = []
    async with aiohttp.ClientSession() as session:
        for n in range(6):
            body = {"text": f"answer {n}", "response_type": "in_channel" if n == 0 else None}
            async with session.post(url, json=body) as response:
                statuses.append(response.status)
    assert statuses == [200, 200, 200, 200, 200, 404]
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["answer 0"]
    assert len(fake_slack.ephemerals("U0ALICE")) == 4
