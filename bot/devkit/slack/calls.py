"""What a Web API method handler receives (``Call``) and how it refuses (``Refused``).

Handlers are plain synchronous functions ``(Call) -> dict``: each call changes the state
atomically, as one Slack request does. Parameters arrive as strings (query, form) or as
JSON values; ``Call`` reads both the same way, decoding JSON-in-a-string where Slack does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn

from bot.clock import Clock
from bot.devkit.slack.state import BOT_USER_ID, Channel, Message, SlackState
from bot.devkit.slack.validation import Violation
from bot.errors import SlackError

_TS = re.compile(r"^\d{9,11}\.\d{6}$")


class Refused(SlackError):
    """The fake answers ``{"ok": false, "error": ...}``, with optional detail lines."""

    def __init__(self, method: str, error: str, messages: list[str] | None = None) -> None:
        super().__init__(method, error)
        self.messages = messages or []


class RecordedViolation(NamedTuple):
    method: str
    error: str
    messages: list[str]


@dataclass
class Env:
    """What every handler may use besides its parameters."""

    state: SlackState
    clock: Clock
    stream_max_age: float
    trigger_ttl: float = 3.0
    base_url: str = ""
    ws_url: str = ""
    violations: list[RecordedViolation] = field(default_factory=list)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    env: Env

    @property
    def state(self) -> SlackState:
        return self.env.state

    def refuse(self, error: str, messages: list[str] | None = None) -> NoReturn:
        raise Refused(self.method, error, messages)

    def violated(self, violation: Violation | None) -> None:
        """Records a limit violation and refuses the call, as Slack would."""
        if violation is None:
            return
        self.env.violations.append(
            RecordedViolation(self.method, violation.error, violation.messages)
        )
        self.refuse(violation.error, violation.messages)

    # --- parameters ---------------------------------------------------------------
    def opt(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def req(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.opt(name)
        if value is None:
            self.refuse(error, [f"[ERROR] missing required field: {name}"])
        return value

    def json(self, name: str) -> Any:
        """A JSON value that form-encoded clients send as a string (blocks, view, files)."""
        value = self.params.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                self.refuse("invalid_arguments", [f"[ERROR] {name} is not valid JSON"])
        return value

    def ts(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.req(name, error)
        if not _TS.match(value):
            self.refuse("invalid_ts" if name != "thread_ts" else "invalid_thread_ts")
        return value

    # --- lookups ------------------------------------------------------------------
    def channel(self, name: str = "channel", *, write: bool = False) -> Channel:
        """The conversation named by parameter ``name``; see ``resolve``."""
        return self.resolve(self.req(name, "channel_not_found"), write=write)

    def resolve(self, key: str, *, write: bool = False) -> Channel:
        """A conversation by id or name; a user id means the bot's DM with that user.

        ``write``: the bot must be a member (Slack's ``not_in_channel``); a bot DM is.
        """
        state = self.state
        if key in state.channels:
            channel = state.channels[key]
        elif key.startswith(("U", "W")) and key in state.users and key != BOT_USER_ID:
            channel = state.dm_of(key)
        else:
            by_name = [c for c in state.channels.values() if c.name and c.name == key.lstrip("#")]
            if not by_name:
                self.refuse("channel_not_found")
            channel = by_name[0]
        if channel.kind == "group" and not channel.bot_is_member:
            self.refuse("channel_not_found")  # private channels are invisible to outsiders
        if write and not channel.bot_is_member:
            self.refuse("not_in_channel")
        return channel

    def message(self, channel: Channel, name: str = "ts") -> Message:
        ts = self.req(name, "message_not_found")
        message = self.state.find_message(channel.id, ts)
        if message is None:
            self.refuse("message_not_found")
        return message

    def thread_parent(self, channel: Channel, name: str = "thread_ts") -> str | None:
        """The thread a message goes into: the root's ts, or None for a top-level post."""
        if self.opt(name) is None:
            return None
        ts = self.ts(name)
        parent = self.state.find_message(channel.id, ts)
        if parent is None:
            self.refuse("thread_not_found")
        if parent.thread_ts and parent.thread_ts != parent.ts:
            return parent.thread_ts  # a reply's ts threads into its root, like Slack
        parent.thread_ts = parent.ts
        return parent.ts


Handler = Callable[[Call], dict[str, Any]]
