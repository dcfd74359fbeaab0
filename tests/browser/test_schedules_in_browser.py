"""Schedules in headless Chromium on the dev stack: open the modal with ``/worker
schedule``, get a field error back inline, switch the kind (the bot rewrites the modal),
create the schedule and see it in ``/worker schedules``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.devkit.dev import DevStack

pytestmark = pytest.mark.browser


async def _type(page: Any, selector: str, text: str) -> None:
    await page.fill(selector, text)
    await page.press(selector, "Enter")


async def test_create_a_schedule_in_the_modal_and_see_it_listed(
    dev_stack: DevStack, page: Any
) -> None:
    await page.goto(dev_stack.sandbox_url)
    await page.locator("#live.on").wait_for()
    await _type(page, "#composer-text", "/worker schedule check the build")
    dialog = page.get_by_role("dialog")
    await dialog.get_by_text("New schedule").wait_for()
    assert await dialog.get_by_label("Task").input_value() == "check the build"
    assert await dialog.get_by_label("Post reports in").input_value() == "C0GENERAL"

    # an impossible cron comes back as an inline error on its field
    await dialog.get_by_label("Cron expression (UTC)").fill("61 * * * *")
    await dialog.get_by_role("button", name="Create").click()
    error = dialog.locator('.blk-input[data-block-id="cron"] .field-error')
    await error.wait_for()
    assert "not valid" in await error.inner_text()

    # choosing another kind: the bot swaps the cron field for "Every" (views.update)
    await dialog.get_by_label("When").select_option("interval")
    every = dialog.get_by_label("Every")
    await every.wait_for()
    assert await dialog.locator('[data-block-id="cron"]').count() == 0
    await every.fill("2m")
    await dialog.get_by_role("button", name="Create").click()
    too_often = dialog.locator('.blk-input[data-block-id="every"] .field-error')
    await too_often.wait_for()
    assert "5 minutes" in await too_often.inner_text()
    assert await dialog.get_by_label("Task").input_value() == "check the build"

    await every.fill("1h")
    await dialog.get_by_role("button", name="Create").click()
    await page.locator("#modal-layer").wait_for(state="hidden")
    await dev_stack.fake.wait_for(lambda: len(dev_stack.emulator.schedules) == 1)

    await _type(page, "#composer-text", "/worker schedules")
    listed = page.locator(".msg.ephemeral", has_text="check the build").filter(
        has=page.get_by_role("button", name="Cancel")
    )
    await listed.first.wait_for()
