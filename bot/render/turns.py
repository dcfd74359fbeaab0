"""Blocks and fallback text for the messages of one turn in a Slack thread.

A turn writes: the parent message (slash command only), one or more output messages
(``markdown`` blocks; the last one shows a status line while the worker runs), and a
footer (outcome, elapsed time, cost, tokens, steps, sources, buttons). The output is
standard Markdown and goes into ``markdown`` blocks as it is: Slack renders it there.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from bot.render.text import (
    fit_mrkdwn,
    format_count,
    format_duration,
    format_usd,
    link_label,
    mrkdwn_link,
)
from bot.slack import ids
from bot.slack.payloads import WorkerRef, encode
from bot.workers.models import Worker, WorkerSource

Block = dict[str, Any]

MAX_SOURCES = 8
"""Sources listed under a turn; more are counted ("and 3 more")."""
SOURCES_TEXT_CHARS = 1_500
"""Room for the sources section: well under Slack's 3,000 for a section, and small
enough that the footer fits beside a full output message (see MESSAGE_TEXT_LIMIT)."""
NOTIFICATION_CHARS = 150
"""Fallback ``text`` is what notifications and screen readers show: keep it short."""
ERROR_TEXT_CHARS = 500

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _markdown(text: str) -> Block:
    return {"type": "markdown", "text": text}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def status_line(elapsed_s: float, *, queued_replies: int = 0) -> str:
    """``:hourglass_flowing_sand: Working... 12s`` (+ how many replies wait their turn)."""
    line = f":hourglass_flowing_sand: Working... {format_duration(elapsed_s)}"
    if queued_replies == 1:
        line += " \u00b7 1 reply queued"
    elif queued_replies > 1:
        line += f" \u00b7 {queued_replies} replies queued"
    return line


def running_blocks(markdown: str, *, status: str) -> list[Block]:
    """The growing output message: the Markdown so far, then the status line.

    ``markdown`` is one message's share (``message_markdown``); before the first text
    arrives it is empty and only the status shows (Slack refuses an empty block).
    """
    blocks = [_markdown(markdown)] if markdown.strip() else []
    blocks.append(_context(status))
    return blocks


def final_blocks(markdown: str) -> list[Block]:
    """A sealed or final output message: only its Markdown."""
    return [_markdown(markdown if markdown.strip() else "_(no output)_")]


def _cost_usd(worker: Worker) -> float | None:
    if worker.costs is not None:
        return worker.costs.total_usd
    if worker.usage is not None:
        return worker.usage.cost_usd
    return None


def _outcome_line(outcome: Literal["completed", "failed"], elapsed_s: float, worker: Worker) -> str:
    parts = [
        ":white_check_mark: *Completed*" if outcome == "completed" else ":x: *Failed*",
        format_duration(elapsed_s),
    ]
    cost = _cost_usd(worker)
    if cost is not None:
        parts.append(format_usd(cost))
    usage = worker.usage
    if usage is not None:
        tokens = usage.total_tokens or usage.input_tokens + usage.output_tokens
        parts.append(f"{format_count(tokens)} tokens")
        parts.append(f"{format_count(usage.steps)} step" + ("" if usage.steps == 1 else "s"))
    return " \u00b7 ".join(parts)


def _unique_sources(sources: list[WorkerSource]) -> list[WorkerSource]:
    seen: set[str] = set()
    unique = []
    for source in sources:
        key = source.url.strip()
        if key and key not in seen:
            seen.add(key)
            unique.append(source)
    return unique


def sources_text(sources: list[WorkerSource]) -> str | None:
    """``*Sources*`` and one link per line, deduplicated by URL and capped in count/size."""
    unique = _unique_sources(sources)
    if not unique:
        return None
    text = "*Sources*"
    shown = 0
    room = SOURCES_TEXT_CHARS - 20  # keep space for "and N more"
    for source in unique[:MAX_SOURCES]:
        label = link_label(source.url, source.title)
        line = "\n\u2022 " + mrkdwn_link(source.url, label)
        if len(text) + len(line) > room:  # a huge URL: show its label without the link
            line = "\n\u2022 " + fit_mrkdwn(label, 200, one_line=True)
        if len(text) + len(line) > room:
            break
        text += line
        shown += 1
    if shown < len(unique):
        text += f"\n_and {len(unique) - shown} more_"
    return text


def footer_blocks(
    *,
    outcome: Literal["completed", "failed"],
    elapsed_s: float,
    worker: Worker,
    ref: WorkerRef,
    error: str | None = None,
) -> list[Block]:
    """Outcome line, the error (if any), sources, and the "Schedule..."/"Email" buttons.

    ``error`` is user-safe text, typically ``bot.render.errors.user_message(exc)``
    (already escaped); raw text is escaped too, and nothing is escaped twice.
    """
    blocks = [_context(_outcome_line(outcome, elapsed_s, worker))]
    error_text = fit_mrkdwn(error or "", ERROR_TEXT_CHARS, idempotent=True)
    if error_text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": error_text}})
    sources = sources_text(worker.sources)
    if sources:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": sources}})
    value = encode(ref)
    blocks.append(
        {
            "type": "actions",
            "elements": [
                _button("Schedule...", ids.OPEN_SCHEDULE, value),
                _button("Email address", ids.EMAIL_ADDRESS, value),
            ],
        }
    )
    return blocks


NotificationKind = Literal["running", "output", "completed", "failed"]


def notification_text(kind: NotificationKind, *, markdown: str = "", error: str = "") -> str:
    """Short plain ``text`` for a turn's message (notifications, screen readers).

    ``running``/``output``: the start of the output if there is some; ``completed``;
    ``failed`` with the (user-safe) error.
    """
    excerpt = fit_mrkdwn(markdown, NOTIFICATION_CHARS, one_line=True) if markdown else ""
    if kind == "running":
        return excerpt or "Working on it..."
    if kind == "output":
        return excerpt or "(no output)"
    if kind == "completed":
        return "Worker finished."
    detail = fit_mrkdwn(error, NOTIFICATION_CHARS, one_line=True, idempotent=True) if error else ""
    return f"Worker failed: {detail}" if detail else "Worker failed."


def _mention(user_id: str) -> str:
    return f"<@{user_id}>" if _USER_ID.match(user_id) else fit_mrkdwn(user_id, 40)


def parent_message(user_id: str, task: str, budget: str) -> tuple[str, list[Block]]:
    """The slash command's parent post: ``<@U1>: task`` and the budget; (text, blocks)."""
    who = _mention(user_id)
    text = f"{who}: {fit_mrkdwn(task, NOTIFICATION_CHARS, one_line=True)}"
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{who}: {fit_mrkdwn(task, 2_900)}"},
        },
        _context(f"Budget: {fit_mrkdwn(budget, 40, one_line=True)}"),
    ]
    return text, blocks
