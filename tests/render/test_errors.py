"""``user_message``: every error becomes short, safe text; nothing internal leaks."""

from __future__ import annotations

import pytest

from bot.errors import (
    ConfigError,
    DatabaseUnavailable,
    InvalidInput,
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
from bot.render.errors import error_ref, user_message


def test_user_facing_text_is_shown_as_is() -> None:
    assert user_message(UserFacingError("The task is empty.")) == "The task is empty."
    assert user_message(InvalidInput("Bad cron.", field="cron")) == "Bad cron."


def test_rejected_keeps_the_servers_reason_escaped() -> None:
    text = user_message(WorkersRejected("input too long <!channel> & co", status=422))
    assert text == ("The Workers API refused the request: input too long &lt;!channel&gt; &amp; co")


def test_unauthorized_points_an_admin_at_the_key() -> None:
    text = user_message(WorkersUnauthorized("bad key sk-secret-123", status=401))
    assert "WORKERS_API_KEY" in text
    assert "sk-secret" not in text


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(12.4, "try again in 12 s"), (None, "try again in a minute")]
)
def test_rate_limited_says_when(retry_after: float | None, expected: str) -> None:
    assert expected in user_message(WorkersRateLimited("429", retry_after=retry_after)).lower()
    assert expected in user_message(SlackRateLimited("chat.update", retry_after or 0)).lower()


def test_unavailable_and_not_found() -> None:
    assert "temporarily unavailable" in user_message(WorkersUnavailable("503 from upstream"))
    assert user_message(WorkersNotFound("404", status=404)) == "That worker no longer exists."


def test_slack_errors_are_short_and_known_codes_explained() -> None:
    assert "/invite @Workers" in user_message(SlackError("chat.postMessage", "not_in_channel"))
    assert user_message(SlackError("views.open", "weird_code")) == (
        "Slack refused the request (weird_code)."
    )


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("Traceback (most recent call last): secret=hunter2"),
        KeyError("db password"),
        ConfigError("SLACK_BOT_TOKEN must start with xoxb-"),
        DatabaseUnavailable("postgresql://user:pw@host/db"),
        WorkersApiError("odd", status=418),
    ],
)
def test_anything_else_is_generic_with_a_reference(exc: BaseException) -> None:
    text = user_message(exc)
    assert f"(ref {error_ref(exc)})" in text
    for secret in ("Traceback", "hunter2", "password", "xoxb", "pw@host", "odd"):
        assert secret not in text


def test_reference_is_stable_and_distinguishes_errors() -> None:
    assert error_ref(RuntimeError("a")) == error_ref(RuntimeError("a"))
    assert error_ref(RuntimeError("a")) != error_ref(RuntimeError("b"))
    assert len(error_ref(ValueError())) == 8


def test_long_server_reasons_are_cut() -> None:
    text = user_message(WorkersRejected("x" * 10_000))
    assert len(text) <= 400
