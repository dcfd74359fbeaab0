"""The whole dev stack in headless Chromium: what a new user does first.

A ``/worker`` task streams into its thread and ends with its footer; a reply in the
thread continues the same worker; a DM and an @mention start workers; the "Email
address" button answers privately. Tasks carry the emulator's knobs (``deltas=N
pace=S``) where a test wants to watch the answer while it streams.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.devkit.dev import DevStack

pytestmark = pytest.mark.browser

THREAD = "#thread-messages"
FOOTER = "#thread-messages .blk-context"


async def _type(page: Any, selector: str, text: str) -> None:
    await page.fill(selector, text)
    await page.press(selector, "Enter")


async def _run_task(page: Any, stack: DevStack, task: str) -> Any:
    """Types ``/worker task`` in #general and opens the thread; returns the parent."""
    await page.goto(stack.sandbox_url)
    await _type(page, "#composer-text", f"/worker {task}")
    parent = page.locator("#messages .msg", has_text=task.split(" deltas=")[0])
    await parent.locator("button.replies").click()
    return parent


async def test_a_task_streams_its_answer_into_the_thread_and_ends_with_the_footer(
    dev_stack: DevStack, page: Any
) -> None:
    parent = await _run_task(page, dev_stack, "summarise the release notes deltas=20 pace=0.1")
    # seen while it streams: a live message with the cursor, the text growing
    streaming = page.locator(f"{THREAD} .msg.is-streaming")
    await streaming.wait_for()
    await streaming.locator(".cursor").wait_for()
    footer = page.locator(FOOTER, has_text="Completed")
    await footer.wait_for()
    assert await page.locator(f"{THREAD} .msg.is-streaming").count() == 0
    footer_text = await footer.inner_text()
    assert "$" in footer_text and "tokens" in footer_text and "steps" in footer_text
    answer = page.locator(f"{THREAD} .msg.from-bot").last
    # the Markdown is rendered, not shown raw
    assert await answer.locator("table.md-table th", has_text="Metric").count() == 1
    assert await answer.locator("pre.code code").count() >= 1
    assert await answer.locator("ul li").count() >= 3
    shown = await answer.inner_text()
    assert "**" not in shown and "|---" not in shown and "```" not in shown
    assert await answer.locator("a", has_text="overview").count() >= 1  # sources as links
    await parent.locator('[data-reaction="white_check_mark"]').wait_for()
    assert await page.locator(f"{THREAD} button", has_text="Email address").count() == 1


async def test_a_reply_in_the_thread_continues_the_same_worker(
    dev_stack: DevStack, page: Any
) -> None:
    await _run_task(page, dev_stack, "draft the changelog")
    await page.locator(FOOTER, has_text="Completed").wait_for()
    await _type(page, "#thread-text", "now list the risks")
    await page.locator(f"{THREAD} .msg:not(.from-bot)", has_text="now list the risks").wait_for()
    await page.locator(FOOTER, has_text="Completed").nth(1).wait_for()
    continuation = page.locator(f"{THREAD} .msg.from-bot", has_text="now list the risks")
    await continuation.first.wait_for()
    assert "Turn: 2" in await continuation.first.inner_text()
    assert len(dev_stack.emulator.workers) == 1  # continued, not a second worker
    assert await page.locator("#messages .msg").count() == 1  # nothing new at top level


async def test_a_direct_message_starts_a_worker_in_its_thread(
    dev_stack: DevStack, page: Any
) -> None:
    await page.goto(dev_stack.sandbox_url)
    await page.locator("#dms .nav-item").click()
    await _type(page, "#composer-text", "what changed this week")
    message = page.locator("#messages .msg", has_text="what changed this week")
    await message.locator("button.replies").click()
    await page.locator(FOOTER, has_text="Completed").wait_for()
    assert "D0ALICE" in page.url


async def test_a_mention_in_a_channel_starts_a_worker(dev_stack: DevStack, page: Any) -> None:
    await page.goto(dev_stack.sandbox_url)
    await _type(page, "#composer-text", "@workers check the build")
    message = page.locator("#messages .msg", has_text="check the build")
    await message.locator(".mention", has_text="@Workers").wait_for()  # <@U0BOT>, shown
    await message.locator("button.replies").click()
    await page.locator(FOOTER, has_text="Completed").wait_for()


async def test_the_email_address_button_answers_only_the_user(
    dev_stack: DevStack, page: Any
) -> None:
    await _run_task(page, dev_stack, "watch the inbox")
    await page.locator(FOOTER, has_text="Completed").wait_for()
    await page.locator(f"{THREAD} button", has_text="Email address").click()
    private = page.locator(".msg.ephemeral")
    await private.first.wait_for()
    assert "Only visible to you" in await private.first.inner_text()
    assert "@" in await private.first.inner_text()
