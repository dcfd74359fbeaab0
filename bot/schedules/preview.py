"""When a schedule will run, in words and in the user's time zone (pure: ``now`` is given).

Cron expressions are evaluated in UTC, as the Workers API runs them; the times are then
shown in the user's zone (Slack's ``users.info`` ``tz``), so "0 9 * * *" previews as
10:00 in Paris in winter. The modal says which zone cron uses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from bot.render.text import format_duration
from bot.schedules.parse import describe_cron, parse_duration
from bot.workers.models import ScheduleKind

ScheduleSpec = str | int | datetime
"""cron: the expression; interval/delayed: seconds (or a duration like "2h");
scheduled: an aware datetime (or Unix seconds)."""


def _seconds(spec: ScheduleSpec) -> int:
    if isinstance(spec, bool | datetime):
        raise TypeError("interval and delayed schedules take seconds")
    return parse_duration(spec) if isinstance(spec, str) else spec


def _instant(spec: ScheduleSpec) -> datetime:
    if isinstance(spec, datetime):
        if spec.tzinfo is None:
            raise ValueError("a scheduled time must be timezone-aware")
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        return datetime.fromtimestamp(spec, UTC)
    raise TypeError("scheduled takes a datetime or Unix seconds")


def next_runs(
    kind: ScheduleKind, spec: ScheduleSpec, *, now: datetime, tz: ZoneInfo, count: int = 5
) -> list[datetime]:
    """The next ``count`` runs after ``now`` (fewer for one-time kinds), in ``tz``.

    cron: croniter in UTC; interval: every ``spec`` seconds from ``now``; delayed: once,
    ``spec`` seconds from ``now``; scheduled: once at ``spec`` if that is still ahead.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    runs: list[datetime]
    if kind == "cron":
        if not isinstance(spec, str):
            raise TypeError("cron takes an expression")
        cron = croniter(spec, now.astimezone(UTC))
        runs = [cron.get_next(datetime) for _ in range(count)]
    elif kind == "interval":
        step = timedelta(seconds=_seconds(spec))
        runs = [now + step * n for n in range(1, count + 1)]
    elif kind == "delayed":
        runs = [now + timedelta(seconds=_seconds(spec))][:count]
    else:
        at = _instant(spec)
        runs = [at] if at > now and count > 0 else []
    return [run.astimezone(tz) for run in runs]


def format_local(dt: datetime, tz: ZoneInfo) -> str:
    """``Mon 3 Mar 2025, 09:00 CET``: unambiguous, short, the same on every platform."""
    local = dt.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname() or tz.key}"


def describe_schedule(kind: ScheduleKind, spec: ScheduleSpec, *, tz: ZoneInfo) -> str:
    """``every weekday at 09:00 UTC``, ``every 2h``, ``once, 45m after it was created``…"""
    if kind == "cron":
        return describe_cron(str(spec))
    if kind == "interval":
        return f"every {format_duration(_seconds(spec))}"
    if kind == "delayed":
        return f"once, {format_duration(_seconds(spec))} after it was created"
    return f"once at {format_local(_instant(spec), tz)}"


def preview_lines(
    kind: ScheduleKind, spec: ScheduleSpec, *, now: datetime, tz: ZoneInfo, count: int = 5
) -> list[str]:
    """The next runs formatted for the modal's preview."""
    return [format_local(run, tz) for run in next_runs(kind, spec, now=now, tz=tz, count=count)]
