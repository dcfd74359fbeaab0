"""A small checker of Slack's limits for messages and views built by the renderers.

Numbers are Slack's published limits (slack-facts.md, section 2), written out here
again on purpose rather than imported from ``bot.limits``, so a wrong constant there
cannot make both the code and its tests agree on a wrong answer. Each block is also
parsed by slack_sdk's Block Kit models, whose ``validate_json`` knows more field rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk.models.blocks import Block

TEXT = 40_000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3_000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
MARKDOWN_TOTAL = 12_000
ALL_BLOCK_TEXT = 13_000  # msg_blocks_too_long was reported at ~13.2k across mixed blocks
MODAL_TITLE = 24
PRIVATE_METADATA = 3_000
ID_CHARS = 255


class LimitError(AssertionError):
    pass


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise LimitError(what)


def _text_of(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    text = obj.get("text", "")
    _need(isinstance(text, str), f"text must be a string: {obj!r}")
    return str(text)


def _check_element(element: Mapping[str, Any]) -> int:
    """Checks an interactive element; returns how many characters of text it shows."""
    kind = element["type"]
    if "action_id" in element:
        _need(0 < len(element["action_id"]) <= ID_CHARS, "action_id length")
    if kind == "button":
        text = _text_of(element["text"])
        _need(element["text"]["type"] == "plain_text", "button text is plain_text")
        _need(0 < len(text) <= BUTTON_TEXT, f"button text {len(text)}")
        _need(len(element.get("value", "")) <= BUTTON_VALUE, "button value length")
        return len(text)
    if kind == "static_select":
        options = element["options"]
        _need(0 < len(options) <= 100, "select options count")
        for option in options:
            _need(0 < len(_text_of(option["text"])) <= 75, "option text")
            _need(0 < len(option["value"]) <= 150, "option value")
        if "initial_option" in element:
            _need(element["initial_option"] in options, "initial_option among options")
        return 0
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3_000)
        _need(0 < max_length <= 3_000, "plain_text_input max_length")
        _need(len(element.get("initial_value", "")) <= max_length, "initial_value too long")
        return len(element.get("initial_value", ""))
    return 0


def check_blocks(blocks: Iterable[Mapping[str, Any]], *, max_blocks: int) -> None:
    blocks = list(blocks)
    _need(0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks")
    markdown_total = 0
    all_text = 0
    block_ids: set[str] = set()
    for block in blocks:
        Block.parse(dict(block)).validate_json()  # type: ignore[union-attr]
        kind = block["type"]
        if "block_id" in block:
            block_id = block["block_id"]
            _need(0 < len(block_id) <= ID_CHARS, "block_id length")
            _need(block_id not in block_ids, f"duplicate block_id {block_id}")
            block_ids.add(block_id)
        if kind == "markdown":
            text = block["text"]
            _need(isinstance(text, str) and text.strip() != "", "markdown text non-empty")
            markdown_total += len(text)
            all_text += len(text)
        elif kind == "section":
            text = _text_of(block.get("text"))
            _need(len(text) <= SECTION_TEXT, f"section text {len(text)}")
            _need(bool(text.strip()) or "fields" in block, "section needs text")
            all_text += len(text)
            if "accessory" in block:
                all_text += _check_element(block["accessory"])
        elif kind == "header":
            text = _text_of(block["text"])
            _need(0 < len(text) <= HEADER_TEXT, "header text")
            all_text += len(text)
        elif kind == "context":
            elements = block["elements"]
            _need(0 < len(elements) <= CONTEXT_ELEMENTS, "context elements")
            for element in elements:
                text = _text_of(element)
                _need(0 < len(text) <= SECTION_TEXT, "context text")
                all_text += len(text)
        elif kind == "actions":
            elements = block["elements"]
            _need(0 < len(elements) <= ACTIONS_ELEMENTS, "actions elements")
            action_ids = [e["action_id"] for e in elements]
            _need(len(set(action_ids)) == len(action_ids), "action_ids unique in a block")
            for element in elements:
                all_text += _check_element(element)
        elif kind == "input":
            _need(0 < len(_text_of(block["label"])) <= 2_000, "input label")
            _check_element(block["element"])
        elif kind == "divider":
            pass
        else:
            raise LimitError(f"unexpected block type {kind}")
    _need(markdown_total <= MARKDOWN_TOTAL, f"markdown blocks total {markdown_total}")
    _need(all_text <= ALL_BLOCK_TEXT, f"all block text {all_text}")


def check_message(text: str, blocks: Iterable[Mapping[str, Any]]) -> None:
    """A chat.postMessage / chat.update payload: ``text`` fallback plus blocks."""
    _need(text.strip() != "" and len(text) <= TEXT, f"text length {len(text)}")
    check_blocks(blocks, max_blocks=MESSAGE_BLOCKS)


def check_view(view: Mapping[str, Any]) -> None:
    """A modal or Home tab view."""
    check_blocks(view["blocks"], max_blocks=VIEW_BLOCKS)
    if view["type"] == "modal":
        _need(0 < len(_text_of(view["title"])) <= MODAL_TITLE, "modal title")
        for key in ("submit", "close"):
            if key in view:
                _need(0 < len(_text_of(view[key])) <= 24, f"modal {key}")
        if any(block["type"] == "input" for block in view["blocks"]):
            _need("submit" in view, "a modal with inputs needs submit")
        _need(len(view.get("callback_id", "")) <= ID_CHARS, "callback_id")
    else:
        _need(view["type"] == "home", "view type")
    _need(len(view.get("private_metadata", "")) <= PRIVATE_METADATA, "private_metadata")
