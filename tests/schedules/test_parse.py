"""Parsing the schedule modal's inputs: durations, cron, tasks, and the API's ``when``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.limits import MAX_TASK_CHARS, MIN_INTERVAL_SECONDS
from bot.schedules.parse import (
    build_when,
    describe_cron,
    parse_duration,
    parse_kind,
    parse_task,
    validate_cron,
)
from bot.workers.models import CronWhen, DelayedWhen, IntervalWhen, ScheduledWhen

NOW = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)


def test_limits_are_the_documented_ones() -> None:
    assert MIN_INTERVAL_SECONDS == 300
    assert MAX_TASK_CHARS == 4_000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45m", 2_700),
        ("2h", 7_200),
        ("1d", 86_400),
        ("1h30m", 5_400),
        ("90s", 90),
        (" 1h 30m ", 5_400),
        ("2 hours", 7_200),
        ("1D2H", 93_600),
        ("10 minutes", 600),
        ("1d1h1m1s", 90_061),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "  ", None, "90", "abc", "1.5h", "-5m", "1h1h", "30m1h", "0m", "0h0m", "400d"]
)
def test_bad_durations_name_the_field(text: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, field="every")
    assert caught.value.field == "every"


@given(d=st.integers(0, 300), h=st.integers(0, 23), m=st.integers(0, 59), s=st.integers(0, 59))
def test_duration_round_trip(d: int, h: int, m: int, s: int) -> None:
    text = "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v)
    total = d * 86_400 + h * 3_600 + m * 60 + s
    if total == 0:
        with pytest.raises(InvalidInput):
            parse_duration(text)
    else:
        assert parse_duration(text) == total


@pytest.mark.parametrize(
    ("expr", "normalised"),
    [
        ("0 9 * * 1-5", "0 9 * * 1-5"),
        ("  0  9 * *   MON-FRI ", "0 9 * * MON-FRI"),
        ("*/5 * * * *", "*/5 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),
    ],
)
def test_valid_cron(expr: str, normalised: str) -> None:
    assert validate_cron(expr) == normalised


@pytest.mark.parametrize(
    "expr",
    [
        None,
        "",
        "0 9 * *",  # four fields
        "0 0 9 * * *",  # six (seconds) fields
        "61 * * * *",
        "0 9 L * *",  # non-portable extension
        "0 9 * * 1#2",
        "0 9 ? * 1",
        "0 0 31 2 *",  # never fires
        "* * * * *",  # every minute: more often than the minimum
        "*/4 * * * *",
        "0,1 9 * * *",
        "0 9 * * foo",
    ],
)
def test_bad_cron_is_invalid_on_the_cron_block(expr: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_cron(expr)
    assert caught.value.field == "cron"


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("*/15 * * * *", "every 15 minutes"),
        ("5 * * * *", "every hour at :05 UTC"),
        ("30 */2 * * *", "every 2 hours at :30 UTC"),
        ("0 9 * * *", "every day at 09:00 UTC"),
        ("0 9,17 * * *", "every day at 09:00 and 17:00 UTC"),
        ("0 9 * * 1-5", "every weekday at 09:00 UTC"),
        ("0 9 * * mon-fri", "every weekday at 09:00 UTC"),
        ("30 8 * * 1,3,5", "every Monday, Wednesday and Friday at 08:30 UTC"),
        ("0 18 * * 7", "every Sunday at 18:00 UTC"),
        ("0 6 1 * *", "on the 1st of every month at 06:00 UTC"),
        ("0 6 22 * *", "on the 22nd of every month at 06:00 UTC"),
        ("0 6 13 * *", "on the 13th of every month at 06:00 UTC"),
        ("0 6 1 1 *", "cron 0 6 1 1 * (UTC)"),
        ("0 6 * * 1-3", "cron 0 6 * * 1-3 (UTC)"),
        ("0 6 1 * 1", "cron 0 6 1 * 1 (UTC)"),
    ],
)
def test_describe_cron(expr: str, words: str) -> None:
    assert describe_cron(expr) == words


def test_kind_and_task() -> None:
    assert parse_kind("interval") == "interval"
    with pytest.raises(InvalidInput) as caught:
        parse_kind("weekly")
    assert caught.value.field == "kind"
    assert parse_task("  do it \n") == "do it"
    for bad in ("", "   ", None, "x" * (MAX_TASK_CHARS + 1)):
        with pytest.raises(InvalidInput) as caught:
            parse_task(bad)
        assert caught.value.field == "task"
    assert parse_task("x" * MAX_TASK_CHARS) == "x" * MAX_TASK_CHARS


def test_build_when_for_each_kind() -> None:
    assert build_when("cron", cron="0 9 * * 1-5", now=NOW) == CronWhen(cron="0 9 * * 1-5")
    assert build_when("interval", every="2h", now=NOW) == IntervalWhen(interval_seconds=7_200)
    assert build_when("delayed", every="2m", now=NOW) == DelayedWhen(delay_in_seconds=120)
    at = NOW + timedelta(days=2)
    assert build_when("scheduled", at=int(at.timestamp()), now=NOW) == ScheduledWhen(date=at)
    wire = build_when("scheduled", at=at, now=NOW).wire()
    assert wire == {"type": "scheduled", "date": "2025-03-05T08:30:00Z"}


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("cron", {"cron": "bad"}, "cron"),
        ("interval", {"every": "4m"}, "every"),  # under the 5-minute minimum
        ("interval", {"every": ""}, "every"),
        ("delayed", {"every": "30s"}, "every"),
        ("scheduled", {}, "at"),
        ("scheduled", {"at": int(NOW.timestamp())}, "at"),  # not in the future
        ("scheduled", {"at": NOW - timedelta(minutes=1)}, "at"),
        ("scheduled", {"at": NOW + timedelta(days=400)}, "at"),
    ],
)
def test_build_when_errors_name_the_block(kind: str, values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build_when(kind, now=NOW, **values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_interval_minimum_is_allowed() -> None:
    assert build_when("interval", every="5m", now=NOW) == IntervalWhen(interval_seconds=300)
