"""The fake's Web API through slack_sdk's real AsyncWebClient: answers and errors like Slack."""

from __future__ import annotations

import re

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import FakeSlack


async def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_auth_test_names_the_workspace_and_bot(slack_client: AsyncWebClient) -> None:
    answer = await slack_client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0001", "U0BOT", "B0BOT")


async def test_bad_token_and_unknown_method(fake_slack: FakeSlack) -> None:
    stranger = AsyncWebClient(token="xoxb-wrong", base_url=f"{fake_slack.url}/api/")
    assert await error_of(stranger.auth_test()) == "invalid_auth"
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=f"{fake_slack.url}/api/")
    assert await error_of(client.api_call("chat.frobnicate")) == "unknown_method"


async def test_post_message_stores_it_with_increasing_slack_like_ts(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    first = await slack_client.chat_postMessage(channel="C0GENERAL", text="one")
    second = await slack_client.chat_postMessage(channel="C0GENERAL", text="two")
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == "B0BOT"
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["one", "two"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_post_message_refusals(slack_client: AsyncWebClient) -> None:
    assert await error_of(slack_client.chat_postMessage(channel="C0RANDOM", text="x")) == (
        "not_in_channel"
    )
    assert await error_of(slack_client.chat_postMessage(channel="C0NOPE", text="x")) == (
        "channel_not_found"
    )
    missing_thread = slack_client.chat_postMessage(
        channel="C0GENERAL", text="x", thread_ts="1700000000.000100"
    )
    assert await error_of(missing_thread) == "thread_not_found"
    assert await error_of(slack_client.chat_postMessage(channel="C0GENERAL")) == "no_text"


async def test_dm_by_user_id_and_thread_replies(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    dm = await slack_client.chat_postMessage(channel="U0BOB", text="hello bob")
    assert dm["channel"] == "D0BOB"
    root = await slack_client.chat_postMessage(channel="C0GENERAL", text="root")
    reply = await slack_client.chat_postMessage(
        channel="C0GENERAL", text="reply", thread_ts=root["ts"]
    )
    nested = await slack_client.chat_postMessage(
        channel="C0GENERAL", text="nested", thread_ts=reply["ts"]
    )
    assert nested["message"]["thread_ts"] == root["ts"]
    replies = await slack_client.conversations_replies(channel="C0GENERAL", ts=root["ts"])
    assert [m["text"] for m in replies["messages"]] == ["root", "reply", "nested"]
    assert replies["messages"][0]["reply_count"] == 2
    history = await slack_client.conversations_history(channel="C0GENERAL")
    assert [m["text"] for m in history["messages"]] == ["root"]
    assert [m.text for m in fake_slack.thread("C0GENERAL", root["ts"])] == [
        "root",
        "reply",
        "nested",
    ]


async def test_update_and_delete(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    posted = await slack_client.chat_postMessage(channel="C0GENERAL", text="draft")
    updated = await slack_client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="final")
    assert updated["text"] == "final"
    assert fake_slack.visible_text("C0GENERAL", posted["ts"]) == "final"
    gone = slack_client.chat_update(channel="C0GENERAL", ts="1700000000.000001", text="x")
    assert await error_of(gone) == "message_not_found"
    await slack_client.chat_delete(channel="C0GENERAL", ts=posted["ts"])
    assert fake_slack.message("C0GENERAL", posted["ts"]) is None


async def test_cannot_update_a_users_message(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    from bot.devkit.slack.state import Message

    ts = fake_slack.state.next_ts()
    fake_slack.state.add_message(Message("C0GENERAL", ts, "mine", "U0ALICE"))
    refused = slack_client.chat_update(channel="C0GENERAL", ts=ts, text="edited by bot")
    assert await error_of(refused) == "cant_update_message"


async def test_ephemeral_is_kept_per_user(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    await slack_client.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="psst")
    assert [e.text for e in fake_slack.ephemerals("U0ALICE")] == ["psst"]
    assert fake_slack.ephemerals("U0BOB") == []
    outsider = slack_client.chat_postEphemeral(channel="G0PRIVATE", user="U0BOB", text="x")
    assert await error_of(outsider) == "user_not_in_channel"


async def test_reactions(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    ts = (await slack_client.chat_postMessage(channel="C0GENERAL", text="x"))["ts"]
    await slack_client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes")
    again = slack_client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes")
    assert await error_of(again) == "already_reacted"
    assert fake_slack.reactions("C0GENERAL", ts) == {"eyes": ["U0BOT"]}
    await slack_client.reactions_remove(channel="C0GENERAL", timestamp=ts, name="eyes")
    missing = slack_client.reactions_remove(channel="C0GENERAL", timestamp=ts, name="eyes")
    assert await error_of(missing) == "no_reaction"
    assert fake_slack.reactions("C0GENERAL", ts) == {}


async def test_permalink_points_into_the_thread(slack_client: AsyncWebClient) -> None:
    root = await slack_client.chat_postMessage(channel="C0GENERAL", text="root")
    reply = await slack_client.chat_postMessage(channel="C0GENERAL", text="r", thread_ts=root["ts"])
    link = await slack_client.chat_getPermalink(channel="C0GENERAL", message_ts=reply["ts"])
    assert f"thread_ts={root['ts']}" in link["permalink"]


async def test_conversations_and_users(slack_client: AsyncWebClient) -> None:
    info = await slack_client.conversations_info(channel="C0RANDOM")
    assert info["channel"]["is_member"] is False
    members = await slack_client.conversations_members(channel="C0GENERAL")
    assert "U0BOT" in members["members"]
    refused = slack_client.conversations_history(channel="C0RANDOM")
    assert await error_of(refused) == "not_in_channel"
    bob = await slack_client.users_info(user="U0BOB")
    assert (bob["user"]["tz"], bob["user"]["tz_offset"]) == ("America/New_York", -18000)
    alice = await slack_client.users_info(user="U0ALICE")
    assert alice["user"]["is_admin"] and alice["user"]["is_owner"]
    assert await error_of(slack_client.users_info(user="U0NOBODY")) == "user_not_found"


async def test_assistant_status_and_form_encoded_calls(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    root = await slack_client.chat_postMessage(channel="D0ALICE", text="hi")
    await slack_client.assistant_threads_setStatus(
        channel_id="D0ALICE", thread_ts=root["ts"], status="is working..."
    )
    assert fake_slack.state.statuses[-1]["status"] == "is working..."
    # form-encoded bodies with JSON-in-a-string blocks work as well as JSON bodies
    form = await slack_client.api_call(
        "chat.postMessage",
        data={"channel": "C0GENERAL", "text": "f", "blocks": '[{"type":"divider"}]'},
    )
    assert form["message"]["blocks"] == [{"type": "divider"}]
    assert fake_slack.calls_to("chat.postMessage")[-1].params["channel"] == "C0GENERAL"
