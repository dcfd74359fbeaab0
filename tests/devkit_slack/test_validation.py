"""Each of Slack's payload limits, and how a violation is answered and recorded."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import FakeSlack
from bot.devkit.slack.validation import check_message, check_view


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "Go", action_id: str = "go", value: str = "v") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def markdown(n: int) -> dict[str, Any]:
    return {"type": "markdown", "text": "m" * n}


def modal(**changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Schedule"},
        "submit": {"type": "plain_text", "text": "Create"},
        "blocks": [],
    }
    view.update(changes)
    return view


def text_input(max_length: int = 100, label: str = "Task") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "task",
        "label": {"type": "plain_text", "text": label},
        "element": {"type": "plain_text_input", "action_id": "task", "max_length": max_length},
    }


MESSAGE_CASES: list[tuple[str, Any, Any, str | None]] = [
    ("text at the limit", "x" * 40_000, None, None),
    ("text too long", "x" * 40_001, None, "msg_too_long"),
    ("50 blocks", None, [{"type": "divider"}] * 50, None),
    ("51 blocks", None, [{"type": "divider"}] * 51, "invalid_blocks"),
    ("unknown block type", None, [{"type": "sparkles"}], "invalid_blocks"),
    ("known new block types", None, [{"type": "table", "rows": []}, {"type": "divider"}], None),
    ("section text 3000", None, [section("s" * 3000)], None),
    ("section text 3001", None, [section("s" * 3001)], "invalid_blocks"),
    (
        "11 fields",
        None,
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "invalid_blocks",
    ),
    (
        "field 2001",
        None,
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "invalid_blocks",
    ),
    (
        "header 151",
        None,
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "invalid_blocks",
    ),
    (
        "context 11 elements",
        None,
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "invalid_blocks",
    ),
    (
        "actions 26 elements",
        None,
        [{"type": "actions", "elements": [button(action_id=f"b{i}") for i in range(26)]}],
        "invalid_blocks",
    ),
    (
        "button text 76",
        None,
        [{"type": "actions", "elements": [button("t" * 76)]}],
        "invalid_blocks",
    ),
    (
        "button value 2001",
        None,
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        "invalid_blocks",
    ),
    (
        "action_id 256",
        None,
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        "invalid_blocks",
    ),
    (
        "duplicate action_id",
        None,
        [{"type": "actions", "elements": [button(action_id="x"), button(action_id="x")]}],
        "invalid_blocks",
    ),
    (
        "duplicate block_id",
        None,
        [section("a", block_id="same"), section("b", block_id="same")],
        "invalid_blocks",
    ),
    ("markdown total 12000", None, [markdown(6000), markdown(6000)], None),
    ("markdown total 12001", None, [markdown(6000), markdown(6001)], "msg_blocks_too_long"),
]


@pytest.mark.parametrize(
    ("text", "blocks", "error"),
    [case[1:] for case in MESSAGE_CASES],
    ids=[case[0] for case in MESSAGE_CASES],
)
def test_message_limits(text: Any, blocks: Any, error: str | None) -> None:
    violation = check_message(text, blocks)
    assert (violation.error if violation else None) == error


VIEW_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("valid modal", modal(blocks=[text_input()]), True),
    ("title 25", modal(title={"type": "plain_text", "text": "t" * 25}), False),
    ("submit 25", modal(submit={"type": "plain_text", "text": "s" * 25}), False),
    ("close 25", modal(close={"type": "plain_text", "text": "c" * 25}), False),
    ("input without submit", modal(submit=None, blocks=[text_input()]), False),
    ("private_metadata 3001", modal(private_metadata="p" * 3001), False),
    ("callback_id 256", modal(callback_id="c" * 256), False),
    ("100 blocks", modal(blocks=[{"type": "divider"}] * 100), True),
    ("101 blocks", modal(blocks=[{"type": "divider"}] * 101), False),
    ("input label 2001", modal(blocks=[text_input(label="l" * 2001)]), False),
    ("plain_text_input max_length 3001", modal(blocks=[text_input(3001)]), False),
    ("home 100 blocks", {"type": "home", "blocks": [{"type": "divider"}] * 100}, True),
]


@pytest.mark.parametrize(
    ("view", "valid"), [case[1:] for case in VIEW_CASES], ids=[case[0] for case in VIEW_CASES]
)
def test_view_limits(view: dict[str, Any], valid: bool) -> None:
    violation = check_view(view)
    assert violation is None if valid else violation.error == "invalid_arguments"


async def test_violation_is_answered_like_slack_and_recorded(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.expect_violations()
    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_postMessage(
            channel="C0GENERAL", text="x", blocks=[section("s" * 3001)]
        )
    answer = caught.value.response
    assert answer["error"] == "invalid_blocks"
    assert "json-pointer:/blocks/0/text/text" in answer["response_metadata"]["messages"][0]
    assert fake_slack.messages("C0GENERAL") == []
    (violation,) = fake_slack.violations
    assert (violation.method, violation.error) == ("chat.postMessage", "invalid_blocks")


async def test_unexpected_violation_fails_the_fixture(slack_client: AsyncWebClient) -> None:
    from bot.devkit.slack import running_fake_slack
    from tests.fixtures.slack import fail_on_violations

    async with running_fake_slack() as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C0GENERAL", text="x" * 40_001)
        with pytest.raises(pytest.fail.Exception, match="msg_too_long"):
            fail_on_violations(fake)
        fake.expect_violations()
        fail_on_violations(fake)


async def test_stream_markdown_limit(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    fake_slack.expect_violations()
    root = await slack_client.chat_postMessage(channel="D0ALICE", text="hi")
    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_startStream(
            channel="D0ALICE", thread_ts=root["ts"], markdown_text="m" * 12_001
        )
    assert caught.value.response["error"] == "msg_too_long"
    started = await slack_client.chat_startStream(
        channel="D0ALICE", thread_ts=root["ts"], markdown_text="m" * 12_000
    )
    assert started["ts"]


async def test_views_open_with_bad_view(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.expect_violations()
    bad = modal(title={"type": "plain_text", "text": "A title that is far too long"})
    with pytest.raises(SlackApiError) as caught:
        await slack_client.views_open(trigger_id=fake_slack.new_trigger("U0ALICE"), view=bad)
    assert caught.value.response["error"] == "invalid_arguments"
    assert fake_slack.views == []
