"""Backoff arithmetic and Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.workers.retry import backoff_delay, parse_retry_after

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def top(low: float, high: float) -> float:
    return high


def test_delay_doubles_until_the_cap() -> None:
    delays = [backoff_delay(n, 0.5, 5.0, uniform=top) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_draws_from_zero_to_the_ceiling() -> None:
    seen: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        seen.append((low, high))
        return low

    assert backoff_delay(3, 1.0, 100.0, uniform=record) == 0.0
    assert seen == [(0.0, 8.0)]


@given(attempt=st.integers(0, 10_000), base=st.floats(0, 10), cap=st.floats(0, 60))
def test_delay_stays_within_zero_and_cap(attempt: int, base: float, cap: float) -> None:
    assert 0.0 <= backoff_delay(attempt, base, cap) <= cap


def test_retry_after_wins_and_is_not_capped() -> None:
    assert backoff_delay(0, 0.5, 5.0, retry_after=30.0, uniform=top) == 30.0
    assert backoff_delay(9, 0.5, 5.0, retry_after=0.0, uniform=top) == 0.0


def test_retry_after_in_seconds_and_as_http_date() -> None:
    assert parse_retry_after("3", NOW) == 3.0
    assert parse_retry_after(" 1.5 ", NOW) == 1.5
    later = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(later, NOW) == 42.0
    earlier = format_datetime(NOW - timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(earlier, NOW) == 0.0


def test_unreadable_retry_after_is_none() -> None:
    for value in (None, "", "soon", "nan", "inf", "Mon, 99 Foo 2025"):
        assert parse_retry_after(value, NOW) is None
    assert parse_retry_after("-5", NOW) == 0.0
