"""Native streams, files_upload_v2 and views through slack_sdk's AsyncWebClient."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import FakeSlack, running_fake_slack
from tests.fixtures.slack import ManualClock, fail_on_violations


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


@pytest.fixture
async def timed_fake(slack_clock: ManualClock) -> AsyncIterator[FakeSlack]:
    async with running_fake_slack(clock=slack_clock, stream_max_age=300.0) as fake:
        yield fake
        fail_on_violations(fake)


def client_for(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")


async def test_chat_stream_helper_accumulates_text_and_stops_with_blocks(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    root = await slack_client.chat_postMessage(channel="C0GENERAL", text="<@U0ALICE>: task")
    streamer = await slack_client.chat_stream(
        channel="C0GENERAL",
        thread_ts=root["ts"],
        recipient_team_id="T0001",
        recipient_user_id="U0ALICE",
        buffer_size=4,
    )
    await streamer.append(markdown_text="Hello ")
    await streamer.append(markdown_text="**world**")
    footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": "done in 3s"}]}
    await streamer.stop(markdown_text="!", blocks=[footer])
    methods = [call.method for call in fake_slack.calls if call.method.endswith("Stream")]
    assert methods == ["chat.startStream", "chat.appendStream", "chat.stopStream"]
    assert streamer.ts is not None
    message = fake_slack.message("C0GENERAL", streamer.ts)
    assert message is not None and message.thread_ts == root["ts"]
    assert message.text == "Hello **world**!"
    assert fake_slack.visible_text("C0GENERAL", streamer.ts) == "Hello **world**!\ndone in 3s"
    late = slack_client.chat_appendStream(channel="C0GENERAL", ts=streamer.ts, markdown_text="x")
    assert await error_of(late) == "message_not_in_streaming_state"


async def test_stream_needs_thread_and_recipients_in_channels(slack_client: AsyncWebClient) -> None:
    root = await slack_client.chat_postMessage(channel="C0GENERAL", text="root")
    no_recipient = slack_client.chat_startStream(channel="C0GENERAL", thread_ts=root["ts"])
    assert await error_of(no_recipient) == "invalid_arguments"
    no_thread = slack_client.api_call("chat.startStream", json={"channel": "C0GENERAL"})
    assert await error_of(no_thread) == "invalid_arguments"
    dm_root = await slack_client.chat_postMessage(channel="D0ALICE", text="hi")
    in_dm = await slack_client.chat_startStream(channel="D0ALICE", thread_ts=dm_root["ts"])
    assert in_dm["ts"]


async def test_stream_expires_after_max_age(
    timed_fake: FakeSlack, slack_clock: ManualClock
) -> None:
    client = client_for(timed_fake)
    root = await client.chat_postMessage(channel="D0BOB", text="hi")
    started = await client.chat_startStream(
        channel="D0BOB", thread_ts=root["ts"], markdown_text="part one"
    )
    slack_clock.advance(299)
    await client.chat_appendStream(channel="D0BOB", ts=started["ts"], markdown_text=", two")
    slack_clock.advance(2)
    late = client.chat_appendStream(channel="D0BOB", ts=started["ts"], markdown_text=", three")
    assert await error_of(late) == "message_not_in_streaming_state"
    stop = client.chat_stopStream(channel="D0BOB", ts=started["ts"])
    assert await error_of(stop) == "message_not_in_streaming_state"
    # the maintainers' fallback: chat.update on the same message still works
    await client.chat_update(channel="D0BOB", ts=started["ts"], text="part one, two, three")
    assert timed_fake.visible_text("D0BOB", started["ts"]) == "part one, two, three"


async def test_files_upload_v2_lands_in_the_thread(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    root = await slack_client.chat_postMessage(channel="C0GENERAL", text="root")
    answer = await slack_client.files_upload_v2(
        channel="C0GENERAL",
        thread_ts=root["ts"],
        content=b"report body",
        filename="report.md",
        title="Report",
        initial_comment="Files from the worker",
    )
    assert answer["file"]["title"] == "Report"
    (stored,) = fake_slack.files
    assert (stored.name, stored.content, stored.channels) == (
        "report.md",
        b"report body",
        ["C0GENERAL"],
    )
    reply = fake_slack.thread("C0GENERAL", root["ts"])[-1]
    assert reply.files == [stored.id] and reply.text == "Files from the worker"


async def test_views_open_trigger_rules(timed_fake: FakeSlack, slack_clock: ManualClock) -> None:
    client = client_for(timed_fake)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Schedule"}, "blocks": []}
    assert await error_of(client.views_open(trigger_id="nope", view=modal)) == (
        "invalid_trigger_id"
    )
    trigger = timed_fake.new_trigger("U0ALICE")
    opened = await client.views_open(trigger_id=trigger, view=modal)
    assert opened["view"]["id"] and opened["view"]["hash"]
    assert await error_of(client.views_open(trigger_id=trigger, view=modal)) == (
        "expired_trigger_id"
    )
    old = timed_fake.new_trigger("U0ALICE")
    slack_clock.advance(3.0)
    assert await error_of(client.views_open(trigger_id=old, view=modal)) == "expired_trigger_id"
    assert [v.user for v in timed_fake.open_modals("U0ALICE")] == ["U0ALICE"]


async def test_views_update_push_and_hash_conflict(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    modal = {
        "type": "modal",
        "external_id": "sched-1",
        "title": {"type": "plain_text", "text": "One"},
        "blocks": [],
    }
    opened = await slack_client.views_open(trigger_id=fake_slack.new_trigger("U0BOB"), view=modal)
    view = opened["view"]
    renamed = {**modal, "title": {"type": "plain_text", "text": "Two"}}
    updated = await slack_client.views_update(view_id=view["id"], hash=view["hash"], view=renamed)
    assert updated["view"]["title"]["text"] == "Two"
    stale = slack_client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
    assert await error_of(stale) == "hash_conflict"
    by_external = await slack_client.views_update(external_id="sched-1", view=modal)
    assert by_external["view"]["id"] == view["id"]
    pushed_view = {"type": "modal", "title": {"type": "plain_text", "text": "Pushed"}}
    pushed = await slack_client.views_push(
        trigger_id=fake_slack.new_trigger("U0BOB"), view=pushed_view
    )
    assert pushed["view"]["previous_view_id"] == view["id"]
    unknown = slack_client.views_update(view_id="V0NOPE", view=modal)
    assert await error_of(unknown) == "not_found"


async def test_views_publish_home(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    hello = {"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}
    home = {"type": "home", "blocks": [hello]}
    first = await slack_client.views_publish(user_id="U0CAROL", view=home)
    second = await slack_client.views_publish(user_id="U0CAROL", view=home)
    assert first["view"]["id"] == second["view"]["id"]
    stored = fake_slack.home("U0CAROL")
    assert stored is not None and stored.definition["blocks"][0]["text"]["text"] == "Hi"
    stale = slack_client.views_publish(user_id="U0CAROL", view=home, hash=first["view"]["hash"])
    assert await error_of(stale) == "hash_conflict"


async def test_apps_connections_open_needs_the_app_token(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    opened = await client.apps_connections_open(app_token=fake_slack.app_token)
    assert opened["url"].startswith(f"ws://127.0.0.1:{fake_slack.url.rsplit(':', 1)[1]}/")
    wrong = client.apps_connections_open(app_token=fake_slack.bot_token)
    assert await error_of(wrong) == "not_allowed_token_type"
