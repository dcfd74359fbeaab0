"""The schedule modal (fixed ids), schedule lists and the confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.schedules import (
    ScheduleRow,
    schedule_confirmation,
    schedule_list_blocks,
    schedule_modal,
)
from bot.slack import ids
from bot.slack.payloads import ScheduleModalMeta, ScheduleRef, decode
from bot.workers.models import SCHEDULE_ADAPTER
from tests.render.slack_limits import check_message, check_view

NOW = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
TZ = ZoneInfo("Europe/Paris")
META = ScheduleModalMeta(
    team_id="T1", channel_id="C0123ABC", user_id="U1", worker_id="wrk_1", link_id="9"
)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


@pytest.mark.parametrize(
    ("kind", "timing_block"),
    [("cron", ids.CRON), ("interval", ids.EVERY), ("delayed", ids.EVERY), ("scheduled", ids.AT)],
)
def test_modal_contract_for_each_kind(kind: Any, timing_block: str) -> None:
    view = schedule_modal(meta=META, task="Summarise", kind=kind, preview=None, tz_name="UTC")
    check_view(view)
    assert view["callback_id"] == "schedule_create"
    blocks = inputs(view)
    assert list(blocks) == [ids.TASK, ids.KIND, timing_block, ids.BUDGET, ids.CHANNEL]
    for block_id, block in blocks.items():
        assert block["element"]["action_id"] == block_id
    assert blocks[ids.KIND]["dispatch_action"] is True
    assert blocks[ids.KIND]["element"]["initial_option"]["value"] == kind
    assert blocks[ids.TASK]["element"]["multiline"] is True
    assert blocks[ids.TASK]["element"]["initial_value"] == "Summarise"
    assert decode(ScheduleModalMeta, view["private_metadata"]) == META
    expected = {
        ids.CRON: "plain_text_input",
        ids.EVERY: "plain_text_input",
        ids.AT: "datetimepicker",
    }[timing_block]
    assert blocks[timing_block]["element"]["type"] == expected
    channel = blocks[ids.CHANNEL]["element"]
    assert channel["type"] == "conversations_select"
    assert channel["initial_conversation"] == "C0123ABC"
    assert channel["default_to_current_conversation"] is True


def test_modal_keeps_values_and_shows_preview_and_cron_zone() -> None:
    view = schedule_modal(
        meta=META,
        task="x" * 5_000,
        kind="cron",
        cron="0 9 * * 1-5",
        budget="high",
        budgets=("low", "standard", "high", "unlimited"),
        preview=["Mon 3 Mar 2025, 10:00 CET", "Tue 4 Mar 2025, 10:00 CET"],
        tz_name="Europe/Paris",
    )
    check_view(view)
    blocks = inputs(view)
    assert len(blocks[ids.TASK]["element"]["initial_value"]) == 3_000  # Slack's input cap
    assert blocks[ids.CRON]["element"]["initial_value"] == "0 9 * * 1-5"
    assert blocks[ids.BUDGET]["element"]["initial_option"]["value"] == "high"
    assert [o["value"] for o in blocks[ids.BUDGET]["element"]["options"]][-1] == "unlimited"
    context = view["blocks"][-1]["elements"][0]["text"]
    assert "Mon 3 Mar 2025, 10:00 CET" in context and "(Europe/Paris)" in context
    assert "UTC" in context


def test_modal_with_scheduled_time_and_unknown_budget() -> None:
    at = int((NOW + timedelta(days=1)).timestamp())
    view = schedule_modal(meta=META, kind="scheduled", at=at, budget="unlimited", preview=[])
    check_view(view)
    blocks = inputs(view)
    assert blocks[ids.AT]["element"]["initial_date_time"] == at
    assert blocks[ids.BUDGET]["element"]["initial_option"]["value"] == "low"  # not offered
    assert "No upcoming runs" in view["blocks"][-1]["elements"][0]["text"]


def rows(count: int) -> list[ScheduleRow]:
    raw = [
        {
            "id": "s_cron",
            "type": "cron",
            "cron": "0 9 * * 1-5",
            "budget": "low",
            "input": "Daily <b>digest</b> & news",
            "nextRunAt": "2025-03-03T09:00:00Z",
        },
        {
            "id": "s_int",
            "type": "interval",
            "intervalSeconds": 7200,
            "budget": "standard",
            "input": "Check",
            "nextRunAt": "2025-03-03T10:30:00Z",
        },
        {
            "id": "s_del",
            "type": "delayed",
            "delayInSeconds": 2700,
            "budget": "high",
            "input": "Remind",
            "nextRunAt": "2025-03-03T09:15:00Z",
        },
        {
            "id": "s_at",
            "type": "scheduled",
            "budget": "standard",
            "input": "Once",
            "nextRunAt": "2025-03-04T12:00:00Z",
        },
    ]
    parsed = [SCHEDULE_ADAPTER.validate_python(item) for item in raw]
    return [ScheduleRow.from_api(parsed[i % 4], channel_id="C0123ABC") for i in range(count)]


def test_schedule_list_has_cancel_buttons_with_refs() -> None:
    blocks = schedule_list_blocks(rows(4), NOW, TZ)
    check_message("schedules", blocks)
    texts = [b["text"]["text"] for b in blocks]
    assert texts[0].startswith("*Daily &lt;b&gt;digest&lt;/b&gt; &amp; news*\n")
    assert "every weekday at 09:00 UTC" in texts[0]
    assert "next Mon 3 Mar 2025, 10:00 CET (in 30m)" in texts[0]
    assert "in <#C0123ABC>" in texts[0]
    assert "every 2h" in texts[1]
    assert "once, 45m after it was created" in texts[2]
    assert "once at Tue 4 Mar 2025, 13:00 CET" in texts[3]
    refs = [decode(ScheduleRef, b["accessory"]["value"]).schedule_id for b in blocks]
    assert refs == ["s_cron", "s_int", "s_del", "s_at"]
    action_ids = [b["accessory"]["action_id"] for b in blocks]
    assert action_ids == [f"{ids.CANCEL_SCHEDULE}_{i}" for i in range(4)]  # unique per view
    assert all("confirm" in b["accessory"] for b in blocks)


def test_schedule_list_caps_and_empty() -> None:
    blocks = schedule_list_blocks(rows(75), NOW, TZ)
    check_message("schedules", blocks)
    assert blocks[-1]["elements"][0]["text"] == "_and 55 more_"
    (empty,) = schedule_list_blocks([], NOW, TZ, command="/ask")
    assert "`/ask schedule`" in empty["text"]["text"]


@given(task=st.text(max_size=5_000), budget=st.text(min_size=1, max_size=50))
def test_lists_stay_within_limits_for_any_task(task: str, budget: str) -> None:
    row = ScheduleRow(
        schedule_id="s1",
        kind="interval",
        spec=3600,
        task=task,
        budget=budget,
        next_run_at=NOW,
        channel_id="not a channel",
    )
    check_message("schedules", schedule_list_blocks([row] * 20, NOW, TZ))
    text = schedule_confirmation(row, now=NOW, tz=TZ)
    assert len(text) < 1_000 and "<!" not in text


def test_confirmation() -> None:
    text = schedule_confirmation(rows(1)[0], now=NOW, tz=TZ)
    assert text == (
        ":calendar: Scheduled *Daily &lt;b&gt;digest&lt;/b&gt; &amp; news*: every weekday at "
        "09:00 UTC. Reports go to <#C0123ABC>. Next run: Mon 3 Mar 2025, 10:00 CET."
    )
