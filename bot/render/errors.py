"""The one place that turns an exception into words for a Slack user.

Listeners call ``user_message(exc)`` for anything they catch and show; they never show
``str(exc)`` or a traceback. The text is short, escaped for mrkdwn (safe in ``text``,
mrkdwn fields and Markdown), and says what the user can do. Unexpected errors get a
reference (``error_ref``) that the listener also logs, so support can find the log line.
"""

from __future__ import annotations

import hashlib

from bot.errors import (
    SlackError,
    SlackRateLimited,
    UserFacingError,
    WorkersApiError,
    WorkersNotFound,
    WorkersRateLimited,
    WorkersRejected,
    WorkersUnauthorized,
    WorkersUnavailable,
)
from bot.render.text import fit_mrkdwn

MESSAGE_CHARS = 400
"""Longest text shown; a server's reason is cut to fit."""

_SLACK_ERRORS = {
    "not_in_channel": "I'm not in that channel. Invite me with `/invite @Workers` first.",
    "channel_not_found": "I can't see that channel. Invite me to it first.",
    "is_archived": "That channel is archived.",
    "msg_too_long": "That message was too long for Slack.",
    "restricted_action": "This workspace does not let me post there.",
    "missing_scope": "I'm missing a permission; an admin needs to reinstall the app.",
    "invalid_auth": "My Slack token is not valid; an admin needs to reinstall the app.",
    "token_revoked": "My Slack token was revoked; an admin needs to reinstall the app.",
    "account_inactive": "My Slack token is inactive; an admin needs to reinstall the app.",
}


def error_ref(exc: BaseException) -> str:
    """A short, stable reference for an unexpected error (log it with the same value).

    Derived from the error's type and text (never shown), so the same failure gets the
    same reference: pure, no clock or randomness.
    """
    seed = f"{type(exc).__module__}.{type(exc).__qualname__}:{exc}".encode()
    return hashlib.sha256(seed).hexdigest()[:8]


def _seconds(retry_after: float | None) -> str:
    if retry_after is None or retry_after <= 0:
        return "a minute"
    whole = max(1, round(retry_after))
    return f"{whole} s"


def user_message(exc: BaseException) -> str:
    """Short, safe text for ``exc`` (escaped for mrkdwn; no internals, no traceback)."""
    return fit_mrkdwn(_plain_message(exc), MESSAGE_CHARS, idempotent=True)


def _plain_message(exc: BaseException) -> str:
    if isinstance(exc, UserFacingError):
        return exc.text
    if isinstance(exc, WorkersApiError):
        return _workers_message(exc)
    if isinstance(exc, SlackRateLimited):
        return f"Slack is rate limiting me right now. Try again in {_seconds(exc.retry_after)}."
    if isinstance(exc, SlackError):
        return _SLACK_ERRORS.get(exc.error, f"Slack refused the request ({exc.error}).")
    return f"Something went wrong (ref {error_ref(exc)}). Please try again."


def _workers_message(exc: WorkersApiError) -> str:
    if isinstance(exc, WorkersRejected):
        reason = " ".join(exc.message.split())[:300] or "no reason given"
        return f"The Workers API refused the request: {reason}"
    if isinstance(exc, WorkersUnauthorized):
        return (
            "The Workers API did not accept this app's key. "
            "An admin needs to check `WORKERS_API_KEY`."
        )
    if isinstance(exc, WorkersRateLimited):
        return f"The Workers API is busy (rate limited). Try again in {_seconds(exc.retry_after)}."
    if isinstance(exc, WorkersNotFound):
        return "That worker no longer exists."
    if isinstance(exc, WorkersUnavailable):
        return "The Workers API is temporarily unavailable. Try again in a minute."
    return f"The Workers API failed (ref {error_ref(exc)}). Please try again."
