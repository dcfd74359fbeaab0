"""Parses the text of ``/worker ...`` (pure).

``/worker [--budget B] <task>`` starts a worker; ``help`` (or nothing), ``status``,
``schedules`` and ``schedule [task]`` are sub-commands. A task that happens to start with
one of those words can be given after ``--``: ``/worker -- status of the build``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.errors import InvalidInput
from bot.settings import BUDGETS

Action = Literal["run", "help", "status", "schedules", "schedule"]

_BUDGET = re.compile(r"^--budget(?:=|\s+)(\S+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    action: Action
    task: str = ""
    budget: str | None = None  # None: the default applies


def parse_command(text: str) -> Command:
    rest = " ".join(text.split(" ")).strip()
    if not rest or rest.lower() in ("help", "-h", "--help"):
        return Command("help")
    word, _, tail = rest.partition(" ")
    lowered = word.lower()
    if lowered == "status" and not tail.strip():
        return Command("status")
    if lowered == "schedules" and not tail.strip():
        return Command("schedules")
    if lowered == "schedule":
        return Command("schedule", task=tail.strip())
    if rest.startswith("-- "):
        return Command("run", task=rest[3:].strip())
    budget = None
    match = _BUDGET.match(rest)
    if match:
        budget = match.group(1).lower()
        if budget not in BUDGETS:
            raise InvalidInput(
                f"Unknown budget `{match.group(1)}`. Use one of: {', '.join(BUDGETS)}.",
                field="budget",
            )
        rest = rest[match.end() :].strip()
    elif rest.lower().startswith("--budget"):
        raise InvalidInput(
            f"`--budget` needs a value: one of {', '.join(BUDGETS)}.", field="budget"
        )
    return Command("run", task=rest, budget=budget)
