"""``view.state.values`` as Slack builds it when a user submits a modal.

Tests give simple values per block id (``{"task": "summarise", "kind": "cron"}``); this
turns them into the element-typed shapes Slack sends, using the view's own blocks
(element type, ``action_id``, option labels). Input blocks the test leaves out carry
their initial value, or an empty one, as Slack's do. A dict value is sent unchanged.
"""

from __future__ import annotations

from typing import Any

from bot.errors import SlackWorkersError

_TEXT_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_PICKED = {
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "users_select": ("selected_user", "initial_user"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}


class ViewStateError(SlackWorkersError):
    """The test asked to submit a value for a block the view does not have."""


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if isinstance(option, dict) and option.get("value") == value:
            return option
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def _element_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        state["value"] = element.get("initial_value") if value is None else str(value)
    elif kind in _SINGLE_OPTION:
        picked = (
            _option(element, str(value)) if value is not None else element.get("initial_option")
        )
        state["selected_option"] = picked
    elif kind in _MULTI_OPTION:
        values = value if isinstance(value, list) else ([] if value is None else [value])
        chosen = [_option(element, str(v)) for v in values]
        state["selected_options"] = (
            chosen if value is not None else element.get("initial_options", [])
        )
    elif kind in _PICKED:
        key, initial = _PICKED[kind]
        if kind == "datetimepicker" and value is not None:
            value = int(value)
        state[key] = element.get(initial) if value is None else value
    else:
        state["value"] = value
    return state


def build_state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``{block_id: {action_id: element_state}}`` for every input block of ``view``."""
    result: dict[str, Any] = {}
    known: set[str] = set()
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        block_id = str(block.get("block_id"))
        element = block.get("element") or {}
        action_id = str(element.get("action_id") or block_id)
        known.add(block_id)
        given = values.get(block_id)
        if isinstance(given, dict):
            result[block_id] = given
        else:
            result[block_id] = {action_id: _element_value(element, given)}
    unknown = set(values) - known
    if unknown:
        raise ViewStateError(f"the view has no input blocks {sorted(unknown)}")
    return result
