"""Splitting a growing Markdown output over several Slack messages.

The relay writes a worker's output into a sequence of messages. A message is *sealed*
once it is full, and its range ``[start, end)`` of the output never changes after that;
only the last message grows. ``find_cut`` decides where a full message ends, and
``message_markdown`` turns a range into Markdown that renders correctly on its own: a
code fence open at the cut is closed at the bottom of one message and re-opened (same
fence, same language) at the top of the next; a table cut between two rows gets its
header repeated, so the rows do not show as raw pipes.

Everything here works on ``str`` indices (code points), so surrogate pairs cannot be
split; a cut is also moved off combining marks and zero-width joiners where it can be.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

MESSAGE_TEXT_LIMIT: Final = 10_000
"""Characters of output per message.

Slack caps all ``markdown`` blocks of one message together at 12,000 characters, and
people have seen ``msg_blocks_too_long`` at about 13,200 characters across mixed blocks.
10,000 leaves room for what ``message_markdown`` adds (a re-opened and closed fence, a
repeated table header: at most ``CARRY_MAX_CHARS``) plus the largest footer
(``bot.render.turns``: outcome line, error, sources and buttons, about 2,200 characters)
in the same message, and still stays under 13,000 characters of block text.
"""

CARRY_MAX_CHARS: Final = 600
"""Most characters ``message_markdown`` adds around a slice (for realistic fences)."""

_INFO_MAX_CHARS: Final = 30
"""A re-opened fence keeps at most this much of its info string (the language)."""
_TABLE_HEADER_MAX_CHARS: Final = 500
"""A table header longer than this is not repeated (it would eat the message budget)."""

_FENCE_LINE = re.compile(r"^[ \t]*(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_SENTENCE_END = re.compile(r"[.!?][)\]\"'*_]*[ \t]")


@dataclass(frozen=True)
class _Fence:
    marker: str  # the run of backticks or tildes that opened it
    info: str  # the rest of the opening line (language), stripped

    @property
    def opening(self) -> str:
        return f"{self.marker}{self.info[:_INFO_MAX_CHARS]}".rstrip()

    def closed_by(self, line: str) -> bool:
        stripped = line.strip()
        char = self.marker[0]
        return len(stripped) >= len(self.marker) and stripped == char * len(stripped)


def _opens_fence(line: str) -> _Fence | None:
    match = _FENCE_LINE.match(line)
    if match is None:
        return None
    marker, info = match["marker"], match["info"].strip()
    if marker[0] == "`" and "`" in info:  # "```x```" is inline code, not a fence
        return None
    return _Fence(marker, info)


def _fence_after(lines: list[str]) -> _Fence | None:
    """The fence left open after these lines, if any."""
    fence: _Fence | None = None
    for line in lines:
        if fence is None:
            fence = _opens_fence(line)
        elif fence.closed_by(line):
            fence = None
    return fence


def _complete_lines(text: str, index: int) -> list[str]:
    """The lines of ``text`` that end (with their newline) at or before ``index``."""
    last_newline = text.rfind("\n", 0, index)
    if last_newline < 0:
        return []
    return text[:last_newline].split("\n")


def open_fence_at(text: str, index: int) -> str | None:
    """The opening line (e.g. "```python") of a fenced code block open at ``index``.

    Only lines completed before ``index`` count: a position inside the opening line is
    not yet in the block. Fences may be indented (LLM output nests them in list items).
    """
    fence = _fence_after(_complete_lines(text, index))
    return fence.opening if fence else None


def find_cut(text: str, start: int, limit: int) -> int:
    """End (exclusive) of the message that begins at ``start``: ``start < cut <= start+limit``.

    Returns ``len(text)`` when the rest fits. Otherwise the cut prefers, in the second
    half of the window, a blank line, then a line end, then a sentence end, then a space;
    then any line end or space in the window; then a hard cut. A table row is never cut
    in the middle when any line end is in the window's second half.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if not 0 <= start < len(text):
        raise ValueError("start must index into text")
    hard = start + limit
    if len(text) <= hard:
        return len(text)
    low = start + limit // 2  # cuts before this waste too much of the message

    blank = text.rfind("\n\n", max(start, low - 1), hard)
    if blank >= 0:
        return blank + 2
    line_end = text.rfind("\n", low, hard)
    if line_end >= 0:
        return line_end + 1
    sentence_ends = list(_SENTENCE_END.finditer(text, low, hard))
    if sentence_ends:
        return sentence_ends[-1].end()
    space = text.rfind(" ", low, hard)
    if space >= 0:
        return space + 1
    line_end = text.rfind("\n", start, hard)
    if line_end >= 0:
        return line_end + 1
    space = text.rfind(" ", start, hard)
    if space >= 0:
        return space + 1
    return _off_grapheme_joint(text, start, hard)


def _off_grapheme_joint(text: str, start: int, cut: int) -> int:
    """Move a hard cut left so it does not separate a mark or joiner from its base."""
    while cut > start + 1 and _joins_previous(text, cut):
        cut -= 1
    return cut


def _joins_previous(text: str, index: int) -> bool:
    char, before = text[index], text[index - 1]
    return (
        unicodedata.combining(char) != 0
        or char in "\u200d\ufe0e\ufe0f"
        or before == "\u200d"
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tone modifiers
    )


def _table_header_at(text: str, start: int) -> str | None:
    """Header and delimiter rows of a table that ``start`` cuts between two body rows."""
    if start == 0 or text[start - 1] != "\n":
        return None
    line_end = text.find("\n", start)
    first = text[start : line_end if line_end >= 0 else len(text)]
    if not _TABLE_ROW.match(first):
        return None
    previous = text[: start - 1].split("\n")
    rows = 0  # the table rows (delimiter included) right above ``start``
    while rows < len(previous) and _TABLE_ROW.match(previous[-1 - rows]):
        rows += 1
    if rows < 2:
        return None
    header, delimiter = previous[-rows], previous[-rows + 1]
    if not _TABLE_DELIMITER.match(delimiter) or _TABLE_DELIMITER.match(header):
        return None
    if _fence_after(previous[:-rows]) is not None:  # a table inside a code block is code
        return None
    carried = f"{header}\n{delimiter}\n"
    return carried if len(carried) <= _TABLE_HEADER_MAX_CHARS else None


def message_markdown(text: str, start: int, end: int) -> str:
    """``text[start:end]`` made to render alone: fences re-opened and closed, header kept."""
    body = text[start:end]
    fence = _fence_after(_complete_lines(text, start))
    prefix = f"{fence.opening}\n" if fence else (_table_header_at(text, start) or "")
    piece = prefix + body
    still_open = _fence_after(piece.split("\n"))
    if still_open is not None:
        piece += ("" if piece.endswith("\n") else "\n") + still_open.marker
    return piece
