"""The sandbox page in headless Chromium against a scripted bot: Block Kit and Markdown
rendering (escaped), live updates (streams, edits), buttons, and modals with every input
the bot uses, inline errors and ``views.update``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.browser.conftest import ScriptedBot

pytestmark = pytest.mark.browser

ALICE, GENERAL = "U0ALICE", "C0GENERAL"
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1">'


def _client(bot: ScriptedBot) -> AsyncWebClient:
    return AsyncWebClient(token=bot.fake.bot_token, base_url=f"{bot.fake.url}/api/")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


MARKDOWN = """# Release 2.4
Some **bold**, *italic* and `code`, a [link](https://example.com/notes).

- first
- second

| Metric | Value |
|---|---|
| users | 42 |

```python
print("hi")
```
"""

BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": _plain("Weekly report")},
    {"type": "divider"},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Done* for <@U0BOB>: _see_ <https://example.com/x|the notes> `v2`",
        },
    },
    {"type": "markdown", "text": MARKDOWN},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": ":white_check_mark: Completed"}]},
    {"type": "image", "image_url": "https://example.com/chart.png", "alt_text": "chart"},
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {"type": "button", "action_id": "again", "value": "w1", "text": _plain("Run again")},
        ],
    },
]


async def test_block_kit_and_markdown_render_escaped_and_buttons_reach_the_bot(
    scripted_bot: ScriptedBot, page: Any
) -> None:
    client = _client(scripted_bot)
    await client.chat_postMessage(channel=GENERAL, text="report", blocks=BLOCKS)
    await client.chat_postMessage(channel=GENERAL, text=HOSTILE)
    await client.chat_postMessage(
        channel=GENERAL, text="hostile", blocks=[{"type": "markdown", "text": HOSTILE}]
    )
    await page.goto(scripted_bot.fake.url + "/")
    report = page.locator("#messages .msg", has_text="Weekly report")
    await report.wait_for()
    assert await report.locator(".blk-header").inner_text() == "Weekly report"
    assert await report.locator("hr.blk-divider").count() == 1
    section = report.locator(".blk-section")
    assert await section.locator("strong").inner_text() == "Done"
    assert await section.locator("em").inner_text() == "see"
    assert await section.locator(".mention").inner_text() == "@Bob B"
    link = section.locator("a", has_text="the notes")
    assert await link.get_attribute("href") == "https://example.com/x"
    markdown = report.locator(".blk-markdown")
    assert await markdown.locator("h1").inner_text() == "Release 2.4"
    assert await markdown.locator("strong").inner_text() == "bold"
    assert await markdown.locator("li").all_inner_texts() == ["first", "second"]
    assert await markdown.locator("td").all_inner_texts() == ["users", "42"]
    assert 'print("hi")' in await markdown.locator("pre code").inner_text()
    assert await markdown.locator("a").get_attribute("href") == "https://example.com/notes"
    assert "\u2705" in await report.locator(".blk-context").inner_text()
    assert await report.locator("img").get_attribute("src") == "https://example.com/chart.png"
    # hostile text is shown as text, never run
    assert await page.locator("#messages", has_text="<script>").count() == 1
    assert await page.locator("#messages script, #messages img[src=x]").count() == 0
    assert await page.evaluate("window.pwned") is None
    await report.locator("button", has_text="Run again").click()
    await scripted_bot.fake.wait_for(lambda: scripted_bot.of_kind("block_actions"))
    action = scripted_bot.of_kind("block_actions")[0]["actions"][0]
    assert (action["action_id"], action["value"], action["block_id"]) == ("again", "w1", "acts")


async def test_streams_and_edits_show_up_live(scripted_bot: ScriptedBot, page: Any) -> None:
    client = _client(scripted_bot)
    await page.goto(scripted_bot.fake.url + "/")
    await page.locator("#live.on").wait_for()
    root = await client.chat_postMessage(channel=GENERAL, text="thinking...")
    message = page.locator(f'#messages .msg[data-ts="{root["ts"]}"]')
    await message.filter(has_text="thinking...").wait_for()
    await client.chat_update(channel=GENERAL, ts=root["ts"], text="*thought* about it")
    await message.locator(".edited").wait_for()
    assert await message.locator(".msg-body strong").inner_text() == "thought"
    stream = await client.chat_startStream(
        channel=GENERAL,
        thread_ts=root["ts"],
        recipient_team_id="T0001",
        recipient_user_id=ALICE,
        markdown_text="## Plan\n",
    )
    await page.locator("button.replies").click()
    live = page.locator("#thread-messages .msg.is-streaming")
    await live.locator("h2", has_text="Plan").wait_for()
    await client.chat_appendStream(channel=GENERAL, ts=stream["ts"], markdown_text="- step one\n")
    await live.locator("li", has_text="step one").wait_for()
    await client.chat_stopStream(
        channel=GENERAL,
        ts=stream["ts"],
        blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "Completed"}]}],
    )
    done = page.locator("#thread-messages .msg", has_text="step one")
    await done.locator(".blk-context", has_text="Completed").wait_for()
    assert await page.locator("#thread-messages .is-streaming, .cursor").count() == 0


def _modal(title: str) -> dict[str, Any]:
    def select(block_id: str, kind: str, values: list[str]) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": _plain(block_id.title()),
            "element": {
                "type": kind,
                "action_id": block_id,
                "options": [{"text": _plain(v.title()), "value": v} for v in values],
                "initial_option": {"text": _plain(values[0].title()), "value": values[0]},
            },
        }

    return {
        "type": "modal",
        "callback_id": "form",
        "title": _plain(title),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "task",
                "label": _plain("Task"),
                "element": {"type": "plain_text_input", "action_id": "task", "multiline": True},
            },
            select("kind", "static_select", ["cron", "interval"]),
            select("budget", "radio_buttons", ["low", "high"]),
            {
                "type": "input",
                "block_id": "at",
                "label": _plain("At"),
                "optional": True,
                "element": {"type": "datetimepicker", "action_id": "at"},
            },
            {
                "type": "input",
                "block_id": "channel",
                "label": _plain("Channel"),
                "element": {
                    "type": "conversations_select",
                    "action_id": "channel",
                    "initial_conversation": GENERAL,
                },
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Next runs: _soon_"}]},
        ],
    }


async def test_a_modal_shows_inline_errors_follows_views_update_and_submits_what_was_entered(
    scripted_bot: ScriptedBot, page: Any
) -> None:
    def reply(kind: str, body: dict[str, Any]) -> tuple[int, Any]:
        if kind != "view_submission":
            return 200, None
        task = body["view"]["state"]["values"]["task"]["task"]["value"]
        if task == "bad":
            return 200, {"response_action": "errors", "errors": {"task": "Too vague."}}
        return 200, None

    scripted_bot.reply = reply
    await page.goto(scripted_bot.fake.url + "/")
    await page.locator("#live.on").wait_for()
    client = _client(scripted_bot)
    opened = await client.views_open(
        trigger_id=scripted_bot.fake.new_trigger(ALICE), view=_modal("Schedule")
    )
    dialog = page.get_by_role("dialog")
    await dialog.get_by_text("Schedule", exact=True).wait_for()
    await dialog.get_by_label("Task").fill("bad")
    await dialog.get_by_label("Kind").select_option("interval")
    await dialog.get_by_label("High").check()
    await dialog.get_by_label("At").fill("2031-05-04T10:30")
    await dialog.get_by_label("Channel").select_option("G0PRIVATE")
    await dialog.get_by_role("button", name="Create").click()
    await dialog.get_by_role("alert").filter(has_text="Too vague.").wait_for()
    # the bot rewrites the open modal; what the user entered stays
    view_id = opened["view"]["id"]
    await client.views_update(view_id=view_id, view=_modal("Schedule (edited)"))
    await dialog.get_by_text("Schedule (edited)").wait_for()
    assert await dialog.get_by_label("Kind").input_value() == "interval"
    await dialog.get_by_label("Task").fill("every morning")
    await dialog.get_by_role("button", name="Create").click()
    await page.locator("#modal-layer").wait_for(state="hidden")
    last = scripted_bot.of_kind("view_submission")[-1]["view"]["state"]["values"]
    assert last["task"]["task"]["value"] == "every morning"
    assert last["kind"]["kind"]["selected_option"]["value"] == "interval"
    assert last["budget"]["budget"]["selected_option"]["value"] == "high"
    assert last["channel"]["channel"]["selected_conversation"] == "G0PRIVATE"
    picked = await page.evaluate("new Date('2031-05-04T10:30').getTime() / 1000")
    assert last["at"]["at"]["selected_date_time"] == int(picked)
    assert datetime.fromtimestamp(int(picked)).year == 2031


async def test_cancel_closes_the_modal_and_a_slash_command_typed_in_the_page_is_delivered(
    scripted_bot: ScriptedBot, page: Any
) -> None:
    await page.goto(scripted_bot.fake.url + "/")
    await page.locator("#live.on").wait_for()
    await _client(scripted_bot).views_open(
        trigger_id=scripted_bot.fake.new_trigger(ALICE), view=_modal("Schedule")
    )
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name="Cancel").click()
    await page.locator("#modal-layer").wait_for(state="hidden")
    assert scripted_bot.fake.open_modals(ALICE) == []
    scripted_bot.reply = lambda kind, body: (200, {"text": "Usage: `/worker <task>`"})
    await page.fill("#composer-text", "/worker help")
    await page.press("#composer-text", "Enter")
    private = page.locator(".msg.ephemeral", has_text="Usage:")
    await private.wait_for()
    assert await private.locator("code").inner_text() == "/worker <task>"
    [form] = scripted_bot.of_kind("command")
    assert (form["command"], form["text"], form["channel_id"]) == ("/worker", "help", GENERAL)
