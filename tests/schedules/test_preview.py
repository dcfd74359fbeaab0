"""Next runs and their wording, in the user's time zone (cron evaluated in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.schedules.preview import describe_schedule, format_local, next_runs, preview_lines

NOW = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)  # a Monday
PARIS = ZoneInfo("Europe/Paris")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC_ZONE = ZoneInfo("UTC")


def test_cron_runs_in_utc_shown_in_the_users_zone() -> None:
    runs = next_runs("cron", "0 9 * * 1-5", now=NOW, tz=PARIS, count=6)
    assert [run.astimezone(UTC).hour for run in runs] == [9] * 6
    assert [run.hour for run in runs] == [10] * 6  # CET is UTC+1 in March
    assert [run.weekday() for run in runs] == [0, 1, 2, 3, 4, 0]
    assert all(run.tzinfo == PARIS for run in runs)


def test_cron_across_daylight_saving_keeps_utc() -> None:
    before_switch = datetime(2025, 3, 29, 8, 0, tzinfo=UTC)  # CEST starts on the 30th
    runs = next_runs("cron", "0 9 * * *", now=before_switch, tz=PARIS, count=2)
    assert [run.hour for run in runs] == [10, 11]  # 09:00 UTC is 11:00 CEST after the switch


def test_interval_delayed_scheduled() -> None:
    runs = next_runs("interval", 7_200, now=NOW, tz=UTC_ZONE, count=3)
    assert runs == [NOW + timedelta(hours=h) for h in (2, 4, 6)]
    assert next_runs("interval", "45m", now=NOW, tz=UTC_ZONE, count=1) == [
        NOW + timedelta(minutes=45)
    ]
    assert next_runs("delayed", 600, now=NOW, tz=UTC_ZONE) == [NOW + timedelta(minutes=10)]
    at = NOW + timedelta(days=1)
    assert next_runs("scheduled", at, now=NOW, tz=UTC_ZONE) == [at]
    assert next_runs("scheduled", int(at.timestamp()), now=NOW, tz=UTC_ZONE) == [at]
    assert next_runs("scheduled", NOW - timedelta(seconds=1), now=NOW, tz=UTC_ZONE) == []


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        next_runs("cron", "0 9 * * *", now=NOW.replace(tzinfo=None), tz=PARIS)
    with pytest.raises(TypeError):
        next_runs("cron", 5, now=NOW, tz=PARIS)
    with pytest.raises(ValueError):
        next_runs("scheduled", datetime(2030, 1, 1), now=NOW, tz=PARIS)


def test_format_local() -> None:
    assert format_local(NOW, PARIS) == "Mon 3 Mar 2025, 09:30 CET"
    assert format_local(NOW, KOLKATA) == "Mon 3 Mar 2025, 14:00 IST"
    assert format_local(NOW, UTC_ZONE) == "Mon 3 Mar 2025, 08:30 UTC"


def test_describe_schedule() -> None:
    assert describe_schedule("cron", "0 9 * * *", tz=PARIS) == "every day at 09:00 UTC"
    assert describe_schedule("interval", 5_400, tz=PARIS) == "every 1h 30m"
    assert describe_schedule("delayed", "2h", tz=PARIS) == "once, 2h after it was created"
    assert describe_schedule("scheduled", NOW, tz=PARIS) == "once at Mon 3 Mar 2025, 09:30 CET"


def test_preview_lines() -> None:
    assert preview_lines("cron", "0 9 * * 1-5", now=NOW, tz=PARIS, count=2) == [
        "Mon 3 Mar 2025, 10:00 CET",
        "Tue 4 Mar 2025, 10:00 CET",
    ]


@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
def test_daily_cron_runs_are_a_day_apart_after_now(
    minute: int, hour: int, start: datetime, zone: str
) -> None:
    runs = next_runs("cron", f"{minute} {hour} * * *", now=start, tz=ZoneInfo(zone), count=3)
    assert runs[0] > start
    assert runs[0] - start <= timedelta(days=1)
    # Aware datetimes in the same zone subtract by wall clock; compare in UTC.
    utc = [run.astimezone(UTC) for run in runs]
    assert all(b - a == timedelta(days=1) for a, b in pairwise(utc))
    assert all((run.hour, run.minute) == (hour, minute) for run in utc)
