"""Checks message payloads and views against Slack's published limits.

Each check returns a ``Violation`` (Slack's error code plus ``response_metadata``-style
detail lines naming a JSON pointer) or None. The limits come from slack-facts.md
section 2 and slack_sdk's block models; block types are the ones slack_sdk knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MARKDOWN_TOTAL = 12_000
MAX_STREAM_MARKDOWN = 12_000

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions", "alert", "call", "card", "carousel", "container", "context",
        "context_actions", "divider", "file", "header", "image", "input", "markdown",
        "plan", "rich_text", "section", "table", "task_card", "video",
    }
)  # fmt: skip


@dataclass
class Violation:
    error: str
    messages: list[str] = field(default_factory=list)


class _Checker:
    """Walks one payload, collecting detail lines; the first error code wins."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.messages: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def fail(self, error: str, pointer: str, what: str) -> None:
        self.error = self.error or error
        self.messages.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def max_len(self, value: Any, limit: int, pointer: str, error: str = "invalid_blocks") -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(error, pointer, f"must be less than {limit + 1} characters")

    def text_of(self, obj: Any) -> Any:
        return obj.get("text") if isinstance(obj, dict) else None

    def result(self) -> Violation | None:
        return Violation(self.error, self.messages) if self.error else None

    # --- blocks -------------------------------------------------------------------
    def blocks(self, blocks: Any, limit: int, base: str) -> None:
        if not isinstance(blocks, list):
            self.fail("invalid_blocks", base, "must be an array")
            return
        if len(blocks) > limit:
            self.fail("invalid_blocks", base, f"no more than {limit} items allowed")
        markdown_total = 0
        for index, block in enumerate(blocks):
            pointer = f"{base}/{index}"
            if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
                self.fail("invalid_blocks", pointer, "unsupported block type")
                continue
            kind = block["type"]
            if kind != "markdown":  # Slack ignores a markdown block's block_id
                self.block_id(block.get("block_id"), pointer)
            if kind == "markdown":
                text = block.get("text")
                markdown_total += len(text) if isinstance(text, str) else 0
            getattr(self, f"_block_{kind}", self._block_other)(block, pointer)
        if markdown_total > MAX_MARKDOWN_TOTAL:
            self.fail(
                "msg_blocks_too_long",
                base,
                f"markdown blocks total {markdown_total} > {MAX_MARKDOWN_TOTAL} characters",
            )

    def block_id(self, block_id: Any, pointer: str) -> None:
        if block_id is None:
            return
        self.max_len(block_id, 255, f"{pointer}/block_id")
        if block_id in self.block_ids:
            self.fail("invalid_blocks", f"{pointer}/block_id", "duplicate block_id")
        self.block_ids.add(str(block_id))

    def _block_other(self, block: dict[str, Any], pointer: str) -> None:
        return None

    def _block_section(self, block: dict[str, Any], pointer: str) -> None:
        fields = block.get("fields")
        if block.get("text") is None and not fields:
            self.fail("invalid_blocks", pointer, "must provide text or fields")
        self.max_len(self.text_of(block.get("text")), 3000, f"{pointer}/text/text")
        if isinstance(fields, list):
            if len(fields) > 10:
                self.fail("invalid_blocks", f"{pointer}/fields", "no more than 10 items allowed")
            for index, item in enumerate(fields):
                self.max_len(self.text_of(item), 2000, f"{pointer}/fields/{index}/text")
        if isinstance(block.get("accessory"), dict):
            self.element(block["accessory"], f"{pointer}/accessory")

    def _block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.max_len(self.text_of(block.get("text")), 150, f"{pointer}/text/text")

    def _block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        if not isinstance(block.get("text"), str):
            self.fail("invalid_blocks", f"{pointer}/text", "must be a string")

    def _block_context(self, block: dict[str, Any], pointer: str) -> None:
        self.elements(block, pointer, 10)

    def _block_actions(self, block: dict[str, Any], pointer: str) -> None:
        self.elements(block, pointer, 25)

    def _block_context_actions(self, block: dict[str, Any], pointer: str) -> None:
        self.elements(block, pointer, 5)

    def _block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.max_len(self.text_of(block.get("label")), 2000, f"{pointer}/label/text")
        self.max_len(self.text_of(block.get("hint")), 2000, f"{pointer}/hint/text")
        if isinstance(block.get("element"), dict):
            self.element(block["element"], f"{pointer}/element")
        else:
            self.fail("invalid_blocks", f"{pointer}/element", "is required")

    def elements(self, block: dict[str, Any], pointer: str, limit: int) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.fail("invalid_blocks", f"{pointer}/elements", "must be a non-empty array")
            return
        if len(elements) > limit:
            self.fail("invalid_blocks", f"{pointer}/elements", f"no more than {limit} items")
        for index, element in enumerate(elements):
            if isinstance(element, dict):
                self.element(element, f"{pointer}/elements/{index}")

    def element(self, element: dict[str, Any], pointer: str) -> None:
        action_id = element.get("action_id")
        if action_id is not None:
            self.max_len(action_id, 255, f"{pointer}/action_id")
            if action_id in self.action_ids:
                self.fail("invalid_blocks", f"{pointer}/action_id", "duplicate action_id")
            self.action_ids.add(str(action_id))
        if element.get("type") == "button":
            self.max_len(self.text_of(element.get("text")), 75, f"{pointer}/text/text")
            self.max_len(element.get("value"), 2000, f"{pointer}/value")
            self.max_len(element.get("url"), 3000, f"{pointer}/url")
        if element.get("type") == "plain_text_input":
            max_length = element.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.fail("invalid_blocks", f"{pointer}/max_length", "must be at most 3000")


def check_message(text: Any, blocks: Any) -> Violation | None:
    """A chat message (postMessage, update, postEphemeral, stopStream)."""
    checker = _Checker()
    if isinstance(text, str) and len(text) > MAX_TEXT:
        checker.fail("msg_too_long", "/text", f"must be at most {MAX_TEXT} characters")
    if blocks is not None:
        checker.blocks(blocks, MAX_MESSAGE_BLOCKS, "/blocks")
    return checker.result()


def check_stream_markdown(markdown: str) -> Violation | None:
    """One ``markdown_text`` (or the markdown chunks) of a single stream call."""
    if len(markdown) > MAX_STREAM_MARKDOWN:
        return Violation(
            "msg_too_long",
            [f"[ERROR] at most {MAX_STREAM_MARKDOWN} characters [json-pointer:/markdown_text]"],
        )
    return None


def check_view(view: Any) -> Violation | None:
    """A modal or App Home view; Slack answers ``invalid_arguments`` for these."""
    checker = _Checker()
    bad = "invalid_arguments"
    if not isinstance(view, dict):
        checker.fail(bad, "/view", "must be an object")
        return checker.result()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("invalid_arguments", "/view/type", "must be modal or home")
    blocks = view.get("blocks", [])
    checker.blocks(blocks, MAX_VIEW_BLOCKS, "/view/blocks")
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata", bad)
    checker.max_len(view.get("callback_id"), 255, "/view/callback_id", bad)
    if kind == "modal":
        title = checker.text_of(view.get("title"))
        if not isinstance(title, str) or not title:
            checker.fail("invalid_arguments", "/view/title", "is required")
        checker.max_len(title, 24, "/view/title/text", "invalid_arguments")
        for key in ("submit", "close"):
            checker.max_len(checker.text_of(view.get(key)), 24, f"/view/{key}/text", bad)
        has_input = isinstance(blocks, list) and any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and view.get("submit") is None:
            checker.fail("invalid_arguments", "/view/submit", "is required with input blocks")
    # the view's own errors are reported as invalid_arguments, whatever the block code
    result = checker.result()
    if result is not None:
        result.error = "invalid_arguments"
    return result
