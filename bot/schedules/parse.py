"""Parsing and checking what a user typed into the schedule modal (pure).

Every failure is ``InvalidInput`` whose ``field`` is the modal block id of the bad
input, so the view handler can answer ``response_action: errors`` on the right block.
Cron expressions are standard five-field ones, evaluated in UTC (the Workers API and
its emulator run them with croniter in UTC; the modal says so).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Final, get_args

from croniter import CroniterBadDateError, CroniterError, croniter

from bot.errors import InvalidInput
from bot.limits import MAX_SCHEDULE_SECONDS, MAX_TASK_CHARS, MIN_INTERVAL_SECONDS
from bot.slack import ids
from bot.workers.models import (
    CronWhen,
    DelayedWhen,
    IntervalWhen,
    ScheduledWhen,
    ScheduleKind,
)

__all__ = [
    "MAX_TASK_CHARS",
    "MIN_DELAY_SECONDS",
    "MIN_INTERVAL_SECONDS",
    "SCHEDULE_KINDS",
    "build_when",
    "describe_cron",
    "parse_duration",
    "parse_kind",
    "parse_task",
    "validate_cron",
]

SCHEDULE_KINDS: Final[tuple[ScheduleKind, ...]] = get_args(ScheduleKind)
MIN_DELAY_SECONDS: Final = 60
"""A one-time delay shorter than a minute is better done with ``/worker`` right away."""

_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_UNIT_WORDS = {
    "d": ("d", "day", "days"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "s": ("s", "sec", "secs", "second", "seconds"),
}
_DURATION = re.compile(
    r"^"
    + "".join(
        rf"(?:(?P<{unit}>\d+)\s*(?:{'|'.join(sorted(words, key=len, reverse=True))})\s*)?"
        for unit, words in _UNIT_WORDS.items()
    )
    + r"$",
    re.IGNORECASE,
)

_CRON_NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-]+$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CRON_NAMES = frozenset((*_MONTHS, "sun", "mon", "tue", "wed", "thu", "fri", "sat"))
_CRON_SAMPLE_FROM = datetime(2024, 1, 1, tzinfo=UTC)  # fixed, so checking stays pure
_CRON_SAMPLES = 24


def parse_kind(value: str | None) -> ScheduleKind:
    """One of the API's schedule types: ``cron``, ``interval``, ``scheduled``, ``delayed``."""
    for kind in SCHEDULE_KINDS:
        if value == kind:
            return kind
    raise InvalidInput("Choose how the schedule repeats.", field=ids.KIND)


def parse_task(text: str | None, *, limit: int = MAX_TASK_CHARS, field: str = ids.TASK) -> str:
    """The task, stripped; empty or longer than ``limit`` characters is refused."""
    task = (text or "").strip()
    if not task:
        raise InvalidInput("Describe the task for the worker.", field=field)
    if len(task) > limit:
        raise InvalidInput(
            f"The task is {len(task):,} characters; the limit is {limit:,}.", field=field
        )
    return task


def parse_duration(text: str | None, *, field: str = ids.EVERY) -> int:
    """Seconds in ``45m``, ``2h``, ``1d``, ``1h30m``, ``90s``, ``2 hours`` and the like."""
    match = _DURATION.match((text or "").strip())
    if not (text or "").strip() or match is None or not any(match.groupdict().values()):
        raise InvalidInput("Give a duration such as 45m, 2h, 1d or 1h30m.", field=field)
    seconds = sum(
        int(amount) * _UNIT_SECONDS[unit]
        for unit, amount in match.groupdict().items()
        if amount is not None
    )
    if seconds <= 0:
        raise InvalidInput("The duration must be longer than zero.", field=field)
    if seconds > MAX_SCHEDULE_SECONDS:
        raise InvalidInput("The duration can be a year at most.", field=field)
    return seconds


def _cron_error(text: str) -> InvalidInput:
    return InvalidInput(text, field=ids.CRON)


def validate_cron(expr: str | None) -> str:
    """A valid five-field cron expression, whitespace normalised; nicknames expanded.

    Refused: not five fields, non-portable extensions (``L``, ``W``, ``#``, ``?``),
    expressions that never fire, and ones that fire more often than every
    ``MIN_INTERVAL_SECONDS`` (checked on the runs following a fixed date: a heuristic
    that catches ``* * * * *``, ``*/2 …`` and ``0-4 9 …``).
    """
    raw = " ".join((expr or "").split())
    normalised = _CRON_NICKNAMES.get(raw.lower(), raw)
    fields = normalised.split(" ") if normalised else []
    if len(fields) != 5:
        raise _cron_error(
            "A cron expression has five fields: minute hour day month weekday "
            "(for example 0 9 * * 1-5)."
        )
    for field in fields:
        names = re.findall(r"[A-Za-z]+", field)
        if not _CRON_FIELD.match(field) or any(name.lower() not in _CRON_NAMES for name in names):
            raise _cron_error(f"`{field}` is not a cron field this app supports.")
    if not croniter.is_valid(normalised):
        raise _cron_error("That cron expression is not valid.")
    try:
        runs = croniter(normalised, _CRON_SAMPLE_FROM)
        times = [runs.get_next(datetime) for _ in range(_CRON_SAMPLES)]
    except CroniterBadDateError as exc:
        raise _cron_error("That cron expression never runs.") from exc
    except (CroniterError, ValueError) as exc:
        raise _cron_error("That cron expression is not valid.") from exc
    shortest = min((b - a).total_seconds() for a, b in pairwise(times))
    if shortest < MIN_INTERVAL_SECONDS:
        raise _cron_error(f"That runs more often than every {MIN_INTERVAL_SECONDS // 60} minutes.")
    return normalised


_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_DAY_INDEX = {name[:3].lower(): i for i, name in enumerate(_DAY_NAMES)}


def _day(token: str) -> int | None:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    return _DAY_INDEX.get(token.lower())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _times(minute: str, hour: str) -> list[str] | None:
    if not minute.isdigit():
        return None
    hours = hour.split(",")
    if not all(h.isdigit() for h in hours):
        return None
    return [f"{int(h):02d}:{int(minute):02d}" for h in hours]


def describe_cron(expr: str) -> str:
    """Plain words for common expressions ("every weekday at 09:00 UTC"); else the expression.

    A small describer for the shapes people actually type; anything else is shown as
    ``cron <expr> (UTC)`` rather than described wrongly.
    """
    fields = " ".join(expr.split()).split(" ")
    fallback = f"cron {' '.join(fields)} (UTC)"
    if len(fields) != 5:
        return fallback
    minute, hour, dom, month, dow = fields
    step = re.fullmatch(r"\*/(\d+)", minute)
    if step and hour == dom == month == dow == "*":
        return f"every {int(step[1])} minutes"
    if minute.isdigit() and dom == month == dow == "*":
        if hour == "*":
            return f"every hour at :{int(minute):02d} UTC"
        hour_step = re.fullmatch(r"\*/(\d+)", hour)
        if hour_step:
            return f"every {int(hour_step[1])} hours at :{int(minute):02d} UTC"
    times = _times(minute, hour)
    if times is None or month != "*":
        return fallback
    at = f"at {_and(times)} UTC"
    if dom == "*" and dow == "*":
        return f"every day {at}"
    if dom == "*":
        if dow.lower() in ("1-5", "mon-fri"):
            return f"every weekday {at}"
        days = [_day(token) for token in dow.split(",")]
        if all(day is not None for day in days):
            names = [_DAY_NAMES[day] for day in days if day is not None]
            return f"every {_and(names)} {at}"
        return fallback
    if dow == "*" and dom.isdigit() and 1 <= int(dom) <= 31:
        return f"on the {_ordinal(int(dom))} of every month {at}"
    return fallback


def build_when(
    kind: ScheduleKind,
    *,
    cron: str | None = None,
    every: str | None = None,
    at: datetime | int | None = None,
    now: datetime,
) -> CronWhen | IntervalWhen | DelayedWhen | ScheduledWhen:
    """The Workers API's ``when`` for the modal's inputs; ``InvalidInput`` on the bad one.

    ``at`` is the datetimepicker's value (Unix seconds) or an aware datetime; a time
    that is not in the future is refused.
    """
    if kind == "cron":
        return CronWhen(cron=validate_cron(cron))
    if kind == "interval":
        seconds = parse_duration(every)
        if seconds < MIN_INTERVAL_SECONDS:
            raise InvalidInput(
                f"Repeat at most every {MIN_INTERVAL_SECONDS // 60} minutes.", field=ids.EVERY
            )
        return IntervalWhen(interval_seconds=seconds)
    if kind == "delayed":
        seconds = parse_duration(every)
        if seconds < MIN_DELAY_SECONDS:
            raise InvalidInput("Wait at least a minute.", field=ids.EVERY)
        return DelayedWhen(delay_in_seconds=seconds)
    if at is None:
        raise InvalidInput("Pick a date and time.", field=ids.AT)
    when = datetime.fromtimestamp(at, UTC) if isinstance(at, int) else at.astimezone(UTC)
    if when <= now:
        raise InvalidInput("That time is in the past.", field=ids.AT)
    if when - now > timedelta(seconds=MAX_SCHEDULE_SECONDS):
        raise InvalidInput("Pick a time within a year.", field=ids.AT)
    return ScheduledWhen(date=when)
