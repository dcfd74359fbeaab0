"""Socket Mode: slack_bolt's aiohttp AsyncSocketModeHandler connects to the fake, receives
envelopes from the driver and acknowledges them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import FakeSlack, SlackDriver


@pytest.fixture
async def socket_bot(fake_slack: FakeSlack) -> AsyncIterator[list[dict[str, Any]]]:
    """A Bolt app connected over Socket Mode; yields the bodies its listeners saw."""
    seen: list[dict[str, Any]] = []
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=f"{fake_slack.url}/api/")
    app = AsyncApp(client=client)

    @app.command("/worker")
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack(f"accepted: {body['text']}")

    @app.event("app_mention")
    async def mention(body: dict[str, Any]) -> None:
        seen.append(body)

    @app.message()
    async def message(body: dict[str, Any]) -> None:
        seen.append(body)

    @app.action("go")
    async def action(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack()

    handler = AsyncSocketModeHandler(app, app_token=fake_slack.app_token, web_client=client)
    await handler.connect_async()
    try:
        yield seen
    finally:
        await handler.close_async()


async def test_hello_then_slash_command_acknowledged_with_payload(
    fake_slack: FakeSlack, socket_bot: list[dict[str, Any]]
) -> None:
    driver = SlackDriver(fake_slack, "", "", transport="socket_mode")
    response = await driver.slash_command("U0ALICE", "C0GENERAL", "go")
    assert response.status == 200
    assert response.json() == {"text": "accepted: go"}
    (envelope,) = fake_slack.socket_mode.envelopes
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"]
    assert fake_slack.socket_mode.acks[0].envelope_id == envelope["envelope_id"]
    assert socket_bot[0]["user_id"] == "U0ALICE"
    assert fake_slack.calls_to("apps.connections.open")[0].response["ok"] is True


async def test_events_and_retries_over_the_socket(
    fake_slack: FakeSlack, socket_bot: list[dict[str, Any]]
) -> None:
    driver = SlackDriver(fake_slack, "", "", transport="socket_mode")
    sent = await driver.message("U0BOB", "C0GENERAL", "<@U0BOT> hi")
    assert [r.status for r in sent.responses] == [200, 200]
    await driver.retry(sent.events[0], 2, "timeout")
    retry = fake_slack.socket_mode.envelopes[-1]
    assert (retry["type"], retry["retry_attempt"], retry["retry_reason"]) == (
        "events_api",
        2,
        "timeout",
    )
    await fake_slack.wait_for(lambda: len(socket_bot) == 3)
    assert {body["event"]["type"] for body in socket_bot} == {"message", "app_mention"}


async def test_interactive_envelope(
    fake_slack: FakeSlack, socket_bot: list[dict[str, Any]], slack_client: AsyncWebClient
) -> None:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Go"},
        "action_id": "go",
        "value": "1",
    }
    blocks = [{"type": "actions", "elements": [button]}]
    posted = await slack_client.chat_postMessage(channel="C0GENERAL", text="t", blocks=blocks)
    driver = SlackDriver(fake_slack, "", "", transport="socket_mode")
    response = await driver.block_action("U0ALICE", "C0GENERAL", posted["ts"], "go")
    assert response.status == 200
    assert fake_slack.socket_mode.envelopes[-1]["type"] == "interactive"
    assert socket_bot[-1]["actions"][0]["value"] == "1"


async def test_no_ack_times_out(fake_slack: FakeSlack) -> None:
    driver = SlackDriver(fake_slack, "", "", transport="socket_mode", ack_within=0.2)
    with pytest.raises(asyncio.TimeoutError):
        await driver.slash_command("U0ALICE", "C0GENERAL", "nobody is connected")


async def test_app_reconnects_when_asked(
    fake_slack: FakeSlack, socket_bot: list[dict[str, Any]]
) -> None:
    hub = fake_slack.socket_mode
    await hub.request_reconnect()
    # the old connection is gone and only the new one is left
    await fake_slack.wait_for(lambda: hub.accepted == 2 and len(hub.connections) == 1)
    assert len(fake_slack.calls_to("apps.connections.open")) == 2
    driver = SlackDriver(fake_slack, "", "", transport="socket_mode")
    response = await driver.slash_command("U0ALICE", "C0GENERAL", "still there?")
    assert response.json() == {"text": "accepted: still there?"}
