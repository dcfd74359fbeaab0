"""Size limits in one place: Slack's published ones and the few this app chooses.

Slack's numbers come from its Block Kit and Web API reference (see slack-facts.md,
section 2). Renderers keep every message and view inside them, so Slack never answers
``msg_too_long``, ``msg_blocks_too_long`` or ``invalid_blocks`` for our output.
"""

from __future__ import annotations

from typing import Final

# --- our choices -----------------------------------------------------------------------

MAX_TASK_CHARS: Final = 4_000
"""Longest task a user may give (slash command, mention, DM, schedule).

Slack recommends keeping a message to about 4,000 characters; the task is echoed in the
parent message and in schedule lists, so a longer one would not show well anyway. Both
the slash command and the schedule modal check against this one constant.
"""

MIN_INTERVAL_SECONDS: Final = 300
"""Shortest gap between two runs of a schedule (interval, delayed, and cron runs).

One report every five minutes is the most a channel should take: more is noise for
people and burns the channel's ``chat.postMessage`` budget (about 1/s per channel) that
live turns need.
"""

MAX_SCHEDULE_SECONDS: Final = 366 * 24 * 3600
"""Longest interval or delay accepted: a year (and a day for leap years)."""

# --- Slack's limits --------------------------------------------------------------------

SLACK_TEXT_CHARS: Final = 40_000
"""``text`` of a message; longer text is truncated by Slack."""
MESSAGE_BLOCKS: Final = 50
"""Blocks in one message."""
VIEW_BLOCKS: Final = 100
"""Blocks in a modal or a Home tab."""
SECTION_TEXT_CHARS: Final = 3_000
HEADER_TEXT_CHARS: Final = 150
CONTEXT_ELEMENTS: Final = 10
ACTIONS_ELEMENTS: Final = 25
BUTTON_TEXT_CHARS: Final = 75
BUTTON_VALUE_CHARS: Final = 2_000
OPTION_TEXT_CHARS: Final = 75
MARKDOWN_BLOCKS_CHARS: Final = 12_000
"""All ``markdown`` blocks of one message together."""
MODAL_TITLE_CHARS: Final = 24
MODAL_BUTTON_CHARS: Final = 24
"""``submit`` and ``close`` labels of a modal."""
PRIVATE_METADATA_CHARS: Final = 3_000
PLAIN_TEXT_INPUT_CHARS: Final = 3_000
"""``max_length`` (and so ``initial_value``) of a ``plain_text_input``."""
INPUT_LABEL_CHARS: Final = 2_000
BLOCK_ID_CHARS: Final = 255
ACTION_ID_CHARS: Final = 255

MODAL_TASK_CHARS: Final = min(MAX_TASK_CHARS, PLAIN_TEXT_INPUT_CHARS)
"""A task typed into the schedule modal: Slack caps a text input at 3,000 characters."""
