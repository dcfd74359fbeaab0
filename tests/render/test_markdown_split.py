"""Long output over several messages: where cuts fall and how each piece renders alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.markdown_split import (
    CARRY_MAX_CHARS,
    MESSAGE_TEXT_LIMIT,
    find_cut,
    message_markdown,
    open_fence_at,
)

FRAGMENTS = [
    "word ",
    "Sentence one. ",
    "Really? ",
    "\n",
    "\n\n",
    "```python\n",
    "```\n",
    "````\n",
    "~~~sh\n",
    "~~~\n",
    "  ```js\n",
    "inline ```code``` here ",
    "| a | b |\n",
    "|---|:-:|\n",
    "| 1 | 2 |\n",
    "- item\n",
    "# Title\n",
    "e\u0301",  # e + combining acute
    "\U0001f469\u200d\U0001f4bb",  # woman technologist (ZWJ sequence)
    "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
    "x" * 300,
]

markdown_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=40), max_size=120).map(
    "".join
)


def pieces(text: str, limit: int) -> list[tuple[int, int]]:
    ranges = []
    start = 0
    while start < len(text):
        cut = find_cut(text, start, limit)
        assert start < cut <= start + limit
        ranges.append((start, cut))
        start = cut
    return ranges


FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")


def open_fences(markdown: str) -> list[str]:
    """Reference scanner (CommonMark-ish): the fence left open at the end, if any."""
    stack: list[str] = []
    for line in markdown.split("\n"):
        if not stack:
            match = FENCE.match(line)
            if match and not (match[1][0] == "`" and "`" in match[2]):
                stack.append(match[1])
        else:
            run = line.strip()
            if run and set(run) == {stack[0][0]} and len(run) >= len(stack[0]):
                stack.pop()
    return stack


@settings(max_examples=300, deadline=None)
@given(text=markdown_text, limit=st.integers(min_value=200, max_value=2_000))
def test_cuts_cover_the_text_once_and_each_piece_renders_alone(text: str, limit: int) -> None:
    ranges = pieces(text, limit)
    assert "".join(text[s:e] for s, e in ranges) == text
    for start, end in ranges:
        piece = message_markdown(text, start, end)
        assert text[start:end] in piece
        assert len(piece) <= limit + CARRY_MAX_CHARS
        assert open_fences(piece) == [], piece


@settings(max_examples=100, deadline=None)
@given(text=markdown_text, limit=st.integers(min_value=200, max_value=2_000))
def test_a_sealed_cut_does_not_move_when_more_text_arrives(text: str, limit: int) -> None:
    # The relay seals a message once more than `limit` characters follow its start; the
    # cut must depend only on what was there then.
    for start, end in pieces(text, limit)[:-1]:
        seen = text[: start + limit + 1]
        assert find_cut(seen, start, limit) == end


def test_a_blank_line_beats_a_later_line_end() -> None:
    text = "a" * 600 + "\n\n" + "b" * 300 + "\n" + "c" * 200
    assert find_cut(text, 0, 1_000) == 602


def test_a_line_end_beats_a_later_sentence_end() -> None:
    text = "a" * 600 + "\n" + "Done. " * 60 + "z" * 1_000
    assert find_cut(text, 0, 1_000) == 601


def test_sentence_end_then_space() -> None:
    text = "word " * 100 + "It ends. " + "word " * 100 + "z" * 1_000
    assert find_cut(text, 0, 1_000) == 509
    no_sentence = "word " * 300
    assert find_cut(no_sentence, 0, 1_000) == 1_000


def test_table_rows_are_not_cut_in_the_middle() -> None:
    row = "| " + "cell | " * 20 + "\n"
    text = "| h |\n|---|\n" + row * 20
    cut = find_cut(text, 0, 1_000)
    assert text[cut - 1] == "\n"


def test_hard_cut_without_spaces_keeps_graphemes_whole() -> None:
    text = "x" * 999 + "e\u0301" + "y" * 100
    assert find_cut(text, 0, 1_000) == 999
    zwj = "x" * 998 + "\U0001f469\u200d\U0001f4bb" + "y" * 100
    assert find_cut(zwj, 0, 1_000) == 998


def test_rest_that_fits_is_one_piece() -> None:
    assert find_cut("short", 0, 200) == 5
    assert find_cut("ab cd", 3, 200) == 5


@pytest.mark.parametrize(("start", "limit"), [(-1, 10), (5, 10), (0, 0)])
def test_bad_arguments(start: int, limit: int) -> None:
    with pytest.raises(ValueError):
        find_cut("abcde", start, limit)


def test_open_fence_at() -> None:
    text = "intro\n```python\nx = 1\n```\nafter\n~~~~\ncode\n~~~\nstill\n"
    assert open_fence_at(text, 0) is None
    assert open_fence_at(text, text.index("```python") + 3) is None  # in the opener line
    assert open_fence_at(text, text.index("x = 1")) == "```python"
    assert open_fence_at(text, text.index("after")) is None
    assert open_fence_at(text, text.index("still")) == "~~~~"  # ~~~ cannot close ~~~~
    assert open_fence_at("use ```x``` inline\nmore", 22) is None


def test_fence_is_closed_and_reopened_across_messages() -> None:
    text = "Intro\n\n```python\n" + "print('hi')\n" * 200 + "```\nDone.\n"
    ranges = pieces(text, 1_000)
    assert len(ranges) >= 3
    first = message_markdown(text, *ranges[0])
    assert first.startswith("Intro\n\n```python\n") and first.endswith("\n```")
    middle = message_markdown(text, *ranges[1])
    assert middle.startswith("```python\nprint('hi')") and middle.endswith("\n```")
    last = message_markdown(text, *ranges[-1])
    assert last.startswith("```python\n") and last.endswith("```\nDone.\n")


def test_table_header_is_repeated_after_a_cut() -> None:
    text = "| Name | Value |\n|------|------:|\n" + "| key | 1234567 |\n" * 100
    ranges = pieces(text, 500)
    for start, end in ranges[1:]:
        piece = message_markdown(text, start, end)
        assert piece.startswith("| Name | Value |\n|------|------:|\n| key |")


def test_table_inside_code_is_left_alone() -> None:
    text = "```\n| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 100 + "```\n"
    start, end = pieces(text, 300)[1]
    assert message_markdown(text, start, end).startswith("```\n| 1 | 2 |")


def test_sixty_thousand_characters_become_seven_messages() -> None:
    paragraph = "A sentence that goes on for a while. " * 20 + "\n\n"  # 742 characters
    text = (paragraph * 100)[:60_000]
    ranges = pieces(text, MESSAGE_TEXT_LIMIT)
    assert len(ranges) == 7  # 13 paragraphs (9,646 characters) fit in each
    assert all(len(message_markdown(text, s, e)) <= MESSAGE_TEXT_LIMIT for s, e in ranges)
