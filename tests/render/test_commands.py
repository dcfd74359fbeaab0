"""Slash command answers and the App Home tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render.commands import (
    RecentWorker,
    email_text,
    help_text,
    home_view,
    not_in_channel_text,
    status_blocks,
)
from bot.render.schedules import ScheduleRow
from bot.slack import ids
from tests.render.slack_limits import check_message, check_view

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Paris")


def recent(count: int) -> list[RecentWorker]:
    return [
        RecentWorker(
            worker_id=f"wrk_{i}",
            task=f"Task {i} <!channel> " + "x" * 500,
            state=("running", "completed", "failed", "pending")[i % 4],
            started_at=NOW - timedelta(minutes=5 * i + 1),
            permalink=f"https://team.slack.com/archives/C1/p{i}" if i % 2 == 0 else None,
            channel_id="C0123ABC",
        )
        for i in range(count)
    ]


def schedules(count: int) -> list[ScheduleRow]:
    return [
        ScheduleRow(
            schedule_id=f"sch_{i}",
            kind="cron",
            spec="0 9 * * 1-5",
            task=f"Report {i}",
            budget="standard",
            next_run_at=NOW + timedelta(hours=i + 1),
            channel_id="C0123ABC",
        )
        for i in range(count)
    ]


def test_help_text_covers_every_way_in() -> None:
    text = help_text("/worker", 4_000)
    for needle in (
        "`/worker [--budget B] <task>`",
        "`/worker schedule [task]`",
        "`/worker schedules`",
        "`/worker status`",
        "`/worker help`",
        "Mention me",
        "direct message",
        "Reply in a worker's thread",
        "`unlimited`",
        "4,000 characters",
    ):
        assert needle in text
    assert "`/ask schedules`" in help_text("/ask", 10)
    assert "(default `low`)" in help_text("/ask", 10, default_budget="low")


def test_status_lists_workers_with_links_and_states() -> None:
    blocks = status_blocks(recent(4), NOW)
    check_message("status", blocks)
    texts = [b["text"]["text"] for b in blocks]
    assert texts[0] == "*Your recent workers*"
    assert texts[1].startswith(":hourglass_flowing_sand: *running* \u00b7 <https://team.slack.com")
    assert "1m ago" in texts[1] and "in <#C0123ABC>" in texts[1]
    assert ":white_check_mark: *completed*" in texts[2] and "<https://" not in texts[2]
    assert all("<!channel>" not in text for text in texts)


def test_status_caps_long_lists_and_explains_empty_ones() -> None:
    blocks = status_blocks(recent(60), NOW)
    check_message("status", blocks)
    assert blocks[-1]["elements"][0]["text"] == "_and 40 more_"
    (empty,) = status_blocks([], NOW, command="/ask")
    assert "`/ask <task>`" in empty["text"]["text"]


def test_email_and_not_in_channel_texts() -> None:
    assert "`w-123@in.example.com`" in email_text("w-123@in.example.com")
    assert "&lt;" in email_text("<!here>@x")
    text = not_in_channel_text("/worker")
    assert "/invite @Workers" in text and "Integrations" in text and "`/worker`" in text
    assert "`/invite @Helper`" in not_in_channel_text("/worker", app_name="Helper")


def test_home_view_within_limits_even_when_full() -> None:
    view = home_view(recent(100), schedules(100), NOW, TZ)
    check_view(view)
    assert view["type"] == "home"
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Your workers", "Your schedules"]
    cancels = [
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    action_ids = {c["action_id"] for c in cancels}
    assert len(cancels) == 20 and len(action_ids) == 20  # unique within the view
    assert all(a.startswith(ids.CANCEL_SCHEDULE) for a in action_ids)


def test_empty_home_view() -> None:
    view = home_view([], [], NOW, TZ)
    check_view(view)
    texts = " ".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "no recent workers" in texts and "No schedules yet" in texts
