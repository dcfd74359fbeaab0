"""Blocks of a turn: running/final output, the footer, fallbacks, the parent message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.markdown_split import MESSAGE_TEXT_LIMIT, find_cut, message_markdown
from bot.render.turns import (
    final_blocks,
    footer_blocks,
    notification_text,
    parent_message,
    running_blocks,
    status_line,
)
from bot.slack import ids
from bot.slack.payloads import WorkerRef, decode
from bot.workers.models import Worker, WorkerCosts, WorkerSource, WorkerUsage
from tests.render.slack_limits import check_message

REF = WorkerRef(link_id="17", worker_id="wrk_123")


def worker(**fields: Any) -> Worker:
    return Worker(id="wrk_123", status="completed", **fields)


def context_text(block: dict[str, Any]) -> str:
    assert block["type"] == "context"
    return "".join(element["text"] for element in block["elements"])


def test_status_line() -> None:
    assert status_line(12.4) == ":hourglass_flowing_sand: Working... 12s"
    assert status_line(72).endswith("1m 12s")
    assert status_line(5, queued_replies=1).endswith("1 reply queued")
    assert status_line(5, queued_replies=3).endswith("3 replies queued")


def test_running_blocks_before_and_after_first_text() -> None:
    empty = running_blocks("", status=status_line(1))
    assert [b["type"] for b in empty] == ["context"]
    check_message(notification_text("running"), empty)
    grown = running_blocks("**Hello** | a |", status=status_line(3))
    assert grown[0] == {"type": "markdown", "text": "**Hello** | a |"}  # not converted
    assert context_text(grown[1]).startswith(":hourglass_flowing_sand:")


def test_final_blocks_never_empty() -> None:
    assert final_blocks("")[0]["text"].strip()
    assert final_blocks("# Done")[0] == {"type": "markdown", "text": "# Done"}


def test_sixty_thousand_chars_go_out_as_valid_messages_with_footer_on_the_last() -> None:
    paragraph = "Some **bold** words and a [link](https://example.com). " * 30 + "\n\n"
    code = "```python\n" + "print('x' * 80)\n" * 150 + "```\n\n"
    text = ((paragraph + code) * 40)[:60_000]
    start, messages = 0, []
    while start < len(text):
        end = find_cut(text, start, MESSAGE_TEXT_LIMIT)
        messages.append(message_markdown(text, start, end))
        start = end
    assert len(messages) >= 6
    done = worker(
        usage=WorkerUsage(total_tokens=123_456, steps=9),
        sources=[
            WorkerSource(id=str(i), url=f"https://example.com/{i}", title="T" * 300)
            for i in range(30)
        ],
    )
    footer = footer_blocks(outcome="completed", elapsed_s=75, worker=done, ref=REF)
    for index, markdown in enumerate(messages):
        blocks = final_blocks(markdown)
        if index == len(messages) - 1:
            blocks += footer  # the footer must fit beside a full output message
        check_message(notification_text("output", markdown=markdown), blocks)
        check_message(
            notification_text("running", markdown=markdown),
            running_blocks(markdown, status=status_line(600, queued_replies=2)),
        )


def test_worst_case_footer_fits_beside_a_full_output_message() -> None:
    text = "```python\n" + ("x = '&<>' * 40  # comment\n" * 2_000)
    start = find_cut(text, 0, MESSAGE_TEXT_LIMIT)
    end = find_cut(text, start, MESSAGE_TEXT_LIMIT)
    markdown = message_markdown(text, start, end)  # re-opened and closed fence
    assert len(markdown) > MESSAGE_TEXT_LIMIT - 100
    noisy = worker(
        costs=WorkerCosts(model_cost_usd=123_456.78),
        usage=WorkerUsage(total_tokens=10**12, steps=10**6),
        sources=[
            WorkerSource(
                id=str(i),
                url=f"https://example.com/{i}/" + ("&" * 2_000 if i % 2 else "a" * 150),
                title="&" * 300,
            )
            for i in range(50)
        ],
    )
    footer = footer_blocks(
        outcome="failed", elapsed_s=10**6, worker=noisy, ref=REF, error="<&>" * 1_000
    )
    footer_text = sum(len(b["text"]["text"]) for b in footer if b["type"] == "section")
    assert footer_text > 1_800  # error and sources both near their caps
    check_message(notification_text("failed", error="<&>" * 1_000), final_blocks(markdown) + footer)


def test_footer_reports_outcome_cost_tokens_steps_and_buttons() -> None:
    done = worker(
        costs=WorkerCosts(model_cost_usd=0.01, tool_cost_usd=0.0023),
        usage=WorkerUsage(cost_usd=9.0, total_tokens=1234, steps=7),
    )
    blocks = footer_blocks(outcome="completed", elapsed_s=72, worker=done, ref=REF)
    check_message("done", blocks)
    line = context_text(blocks[0])
    assert ":white_check_mark:" in line
    for part in ("1m 12s", "$0.0123", "1,234 tokens", "7 steps"):
        assert part in line
    actions = blocks[-1]
    assert actions["type"] == "actions"
    buttons = {b["action_id"]: b for b in actions["elements"]}
    assert set(buttons) == {ids.OPEN_SCHEDULE, ids.EMAIL_ADDRESS}
    assert buttons[ids.OPEN_SCHEDULE]["text"]["text"] == "Schedule..."
    assert buttons[ids.EMAIL_ADDRESS]["text"]["text"] == "Email address"
    assert all(decode(WorkerRef, b["value"]) == REF for b in buttons.values())


def test_cost_falls_back_to_usage_and_may_be_absent() -> None:
    usage_only = worker(usage=WorkerUsage(cost_usd=2.5, input_tokens=10, output_tokens=5))
    line = context_text(
        footer_blocks(outcome="completed", elapsed_s=1, worker=usage_only, ref=REF)[0]
    )
    assert "$2.50" in line and "15 tokens" in line and "0 steps" in line
    bare = context_text(
        footer_blocks(outcome="completed", elapsed_s=1, worker=worker(), ref=REF)[0]
    )
    assert "$" not in bare and "tokens" not in bare


def test_failed_footer_shows_the_error_escaped_once() -> None:
    blocks = footer_blocks(
        outcome="failed",
        elapsed_s=3,
        worker=worker(),
        ref=REF,
        error="Refused: <!channel> & more &amp; already escaped",
    )
    check_message("failed", blocks)
    assert ":x:" in context_text(blocks[0])
    error = blocks[1]["text"]["text"]
    assert "<!channel>" not in error
    assert "&lt;!channel&gt; &amp; more &amp; already" in error
    assert "&amp;amp;" not in error


def test_sources_are_deduplicated_labelled_capped_and_safe() -> None:
    sources = [
        WorkerSource(id="1", url="https://a.example/x", title="First | <b>"),
        WorkerSource(id="2", url="https://a.example/x", title="Duplicate"),
        WorkerSource(id="3", url="https://b.example/path?q=1&r=2", title=None),
        WorkerSource(id="4", url="javascript:alert(1)", title="Not a link"),
    ] + [WorkerSource(id=f"n{i}", url=f"https://n.example/{i}") for i in range(12)]
    blocks = footer_blocks(
        outcome="completed", elapsed_s=1, worker=worker(sources=sources), ref=REF
    )
    text = next(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert text.startswith("*Sources*")
    assert "Duplicate" not in text
    assert "<https://a.example/x|First \u00a6 &lt;b&gt;>" in text
    assert "<https://b.example/path?q=1&amp;r=2|b.example>" in text
    assert "javascript:" not in text and "Not a link" in text
    assert text.count("\n\u2022 ") == 8
    assert text.endswith("_and 7 more_")


@given(title=st.text(max_size=400), url=st.text(max_size=400))
def test_any_source_keeps_the_footer_within_limits(title: str, url: str) -> None:
    sources = [WorkerSource(id=str(i), url=url + str(i), title=title) for i in range(20)]
    blocks = footer_blocks(
        outcome="failed", elapsed_s=1e6, worker=worker(sources=sources), ref=REF, error=title
    )
    check_message("x", blocks)
    for block in blocks:
        if block["type"] == "section":
            assert "<!" not in block["text"]["text"].replace("<https://", "").replace(
                "<http://", ""
            )


@pytest.mark.parametrize("kind", ["running", "output", "completed", "failed"])
def test_notification_texts_are_short_and_plain(kind: Any) -> None:
    text = notification_text(kind, markdown="# Title\n" + "<!here> word " * 100, error="x" * 900)
    assert 0 < len(text) <= 200
    assert "<!here>" not in text and "\n" not in text


def test_parent_message_escapes_the_task() -> None:
    text, blocks = parent_message("U123ABC", "Compare <a> & <b> for <!channel> " * 200, "high")
    check_message(text, blocks)
    assert text.startswith("<@U123ABC>: Compare &lt;a&gt; &amp; &lt;b&gt;")
    assert "<!channel>" not in text and "<!channel>" not in blocks[0]["text"]["text"]
    assert blocks[0]["text"]["text"].startswith("<@U123ABC>: ")
    assert context_text(blocks[1]) == "Budget: high"


def test_parent_message_does_not_trust_a_strange_user_id() -> None:
    text, _ = parent_message("U1> <!channel", "task", "low")
    assert "<!channel" not in text
