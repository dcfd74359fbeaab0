"""views.*: modals opened with a trigger, pushed, updated by id or external id; App Home.

A ``trigger_id`` comes from an interaction (the driver registers one per slash command,
button and view submission); it may be used once, within three seconds, like Slack's.
"""

from __future__ import annotations

from typing import Any

from bot.devkit.slack.calls import Call, Handler
from bot.devkit.slack.state import View
from bot.devkit.slack.validation import check_view


def _use_trigger(call: Call) -> str:
    """Consumes the call's trigger and returns the user it belongs to."""
    trigger = call.state.triggers.get(call.req("trigger_id", "invalid_trigger_id"))
    if trigger is None:
        call.refuse("invalid_trigger_id")
    if trigger.used or call.env.clock.monotonic() - trigger.issued >= call.env.trigger_ttl:
        call.refuse("expired_trigger_id")
    trigger.used = True
    return trigger.user


def _definition(call: Call, kind: str) -> dict[str, Any]:
    view = call.json("view")
    call.violated(check_view(view))
    if not isinstance(view, dict) or view.get("type") != kind:
        call.refuse("invalid_arguments", [f"[ERROR] view type must be {kind}"])
    return view


def _new_hash(call: Call) -> str:
    return f"{int(call.env.clock.now().timestamp())}.{call.state.next_id('', 8)}"


def _store(call: Call, view: View) -> dict[str, Any]:
    external_id = view.external_id
    if external_id and any(
        other.external_id == external_id and other.id != view.id
        for other in call.state.views.values()
    ):
        call.refuse("duplicate_external_id")
    call.state.views[view.id] = view
    return {"view": view.as_api()}


def _new_view(call: Call, kind: str, user: str, definition: dict[str, Any]) -> View:
    return View(
        id=call.state.next_id("V", 10),
        type=kind,
        user=user,
        definition=definition,
        hash=_new_hash(call),
        external_id=definition.get("external_id") or None,
    )


def views_open(call: Call) -> dict[str, Any]:
    definition = _definition(call, "modal")
    user = _use_trigger(call)
    return _store(call, _new_view(call, "modal", user, definition))


def views_push(call: Call) -> dict[str, Any]:
    definition = _definition(call, "modal")
    user = _use_trigger(call)
    stack = [v for v in call.state.views.values() if v.user == user and v.type == "modal"]
    open_views = [v for v in stack if not v.closed]
    if not open_views:
        call.refuse("not_found")
    view = _new_view(call, "modal", user, definition)
    view.previous_view_id = open_views[-1].id
    view.root_view_id = open_views[-1].root_view_id or open_views[-1].id
    return _store(call, view)


def views_update(call: Call) -> dict[str, Any]:
    view_id = call.opt("view_id")
    external_id = call.opt("external_id")
    if view_id is None and external_id is None:
        call.refuse("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    matches = [
        v
        for v in call.state.views.values()
        if (view_id is not None and v.id == view_id)
        or (view_id is None and v.external_id == external_id)
    ]
    if not matches:
        call.refuse("not_found")
    view = matches[0]
    definition = _definition(call, view.type)
    expected = call.opt("hash")
    if expected is not None and expected != view.hash:
        call.refuse("hash_conflict")
    view.definition = definition
    view.external_id = definition.get("external_id") or view.external_id
    view.hash = _new_hash(call)
    return _store(call, view)


def views_publish(call: Call) -> dict[str, Any]:
    user = call.req("user_id", "invalid_arguments")
    if user not in call.state.users:
        call.refuse("user_not_found")
    definition = _definition(call, "home")
    current_id = call.state.home_views.get(user)
    if current_id is None:
        view = _new_view(call, "home", user, definition)
        call.state.home_views[user] = view.id
        return _store(call, view)
    view = call.state.views[current_id]
    expected = call.opt("hash")
    if expected is not None and expected != view.hash:
        call.refuse("hash_conflict")
    view.definition = definition
    view.hash = _new_hash(call)
    return _store(call, view)


HANDLERS: dict[str, Handler] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
