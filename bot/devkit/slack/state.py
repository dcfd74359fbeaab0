"""The fake Slack's state: one workspace, its users, conversations, messages and views.

Plain dataclasses and lookups, no HTTP. The Web API methods (``methods_*.py``) read and
change this state; tests and the sandbox read it through ``FakeSlack``'s queries.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.clock import Clock

TEAM_ID = "T0001"
TEAM_DOMAIN = "fake-workspace"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"
ENTERPRISE_ID: str | None = None

ChannelKind = Literal["channel", "group", "im"]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "Europe/Berlin"
    tz_offset: int = 3600
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": self.tz_offset,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "profile": {"real_name": self.real_name, "display_name": self.name},
        }


@dataclass
class Channel:
    id: str
    name: str
    kind: ChannelKind
    members: set[str] = field(default_factory=set)
    im_user: str | None = None  # the human on the other side of a bot DM

    @property
    def bot_is_member(self) -> bool:
        return BOT_USER_ID in self.members

    def as_api(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": self.id,
            "created": 1700000000,
            "is_channel": self.kind == "channel",
            "is_group": self.kind == "group",
            "is_im": self.kind == "im",
            "is_private": self.kind != "channel",
            "is_member": self.bot_is_member,
            "is_archived": False,
        }
        if self.kind == "im":
            info["user"] = self.im_user
        else:
            info["name"] = self.name
            info["num_members"] = len(self.members)
        return info


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited_ts: str | None = None
    deleted: bool = False
    metadata: dict[str, Any] | None = None
    stream: Stream | None = None

    def as_api(self, state: SlackState) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user}
        body["text"] = self.text
        body["team"] = TEAM_ID
        if self.blocks:
            body["blocks"] = self.blocks
        if self.bot_id:
            body["bot_id"] = self.bot_id
            body["app_id"] = APP_ID
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
            if self.thread_ts == self.ts:
                replies = state.replies(self.channel, self.ts)[1:]
                body["reply_count"] = len(replies)
                body["reply_users"] = sorted({reply.user for reply in replies})
                if replies:
                    body["latest_reply"] = replies[-1].ts
        if self.files:
            body["files"] = [state.files[file_id].as_api() for file_id in self.files]
            body["upload"] = True
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.edited_ts:
            body["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.metadata:
            body["metadata"] = self.metadata
        return body


@dataclass
class Stream:
    """A native stream (chat.startStream) on a message; ``started`` is monotonic time."""

    started: float
    stopped: bool = False


@dataclass
class Ephemeral:
    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None


@dataclass
class View:
    id: str
    type: str  # "modal" | "home"
    user: str
    definition: dict[str, Any]
    hash: str
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    closed: bool = False

    def as_api(self) -> dict[str, Any]:
        body = dict(self.definition)
        body.update(
            id=self.id,
            team_id=TEAM_ID,
            type=self.type,
            hash=self.hash,
            app_id=APP_ID,
            bot_id=BOT_ID,
            root_view_id=self.root_view_id or self.id,
            previous_view_id=self.previous_view_id,
            external_id=self.external_id or "",
            private_metadata=self.definition.get("private_metadata", ""),
            callback_id=self.definition.get("callback_id", ""),
            state={"values": {}},
        )
        body.setdefault("blocks", [])
        return body


@dataclass
class UploadedFile:
    id: str
    name: str
    length: int
    title: str = ""
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "size": len(self.content or b""),
            "user": BOT_USER_ID,
            "channels": list(self.channels),
        }


@dataclass
class Trigger:
    id: str
    user: str
    issued: float  # monotonic
    used: bool = False


class SlackState:
    """Everything one fake workspace knows. ``clock`` gives message timestamps."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.home_views: dict[str, str] = {}  # user -> view id
        self.files: dict[str, UploadedFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.statuses: list[dict[str, Any]] = []  # assistant.threads.setStatus calls
        self._last_ts_us = 0
        self._counter = itertools.count(1)
        self.version = 0  # grows with every change; the sandbox page polls on it
        self._listeners: list[Callable[[int], None]] = []
        self._seed()

    # --- observers ----------------------------------------------------------------
    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Calls ``listener(version)`` after every change; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def changed(self) -> None:
        """Marks a change (a Web API call, a response URL post, a user's message)."""
        self.version += 1
        for listener in list(self._listeners):
            listener(self.version)

    def _seed(self) -> None:
        self.add_user(User(BOT_USER_ID, "workers", "Workers", is_bot=True))
        self.add_user(User("U0ALICE", "alice", "Alice A", is_admin=True, is_owner=True))
        self.add_user(User("U0BOB", "bob", "Bob B", tz="America/New_York", tz_offset=-18000))
        self.add_user(User("U0CAROL", "carol", "Carol C", tz="Asia/Tokyo", tz_offset=32400))
        humans = {"U0ALICE", "U0BOB", "U0CAROL"}
        self.add_channel(Channel("C0GENERAL", "general", "channel", humans | {BOT_USER_ID}))
        self.add_channel(Channel("C0RANDOM", "random", "channel", set(humans)))
        self.add_channel(Channel("G0PRIVATE", "private", "group", {"U0ALICE", BOT_USER_ID}))

    # --- set-up -------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        """Adds a user; every human also gets a DM with the bot (``D`` + user id tail)."""
        self.users[user.id] = user
        if not user.is_bot:
            dm = Channel(f"D{user.id[1:]}", "", "im", {user.id, BOT_USER_ID}, im_user=user.id)
            self.add_channel(dm)
        return user

    def add_channel(self, channel: Channel) -> Channel:
        self.channels[channel.id] = channel
        self.messages.setdefault(channel.id, [])
        return channel

    def dm_of(self, user: str) -> Channel:
        return self.channels[f"D{user[1:]}"]

    # --- ids ----------------------------------------------------------------------
    def next_ts(self) -> str:
        """A message timestamp like Slack's (``"1700000000.000100"``), strictly increasing."""
        now_us = int(self.clock.now().timestamp() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def next_id(self, prefix: str, width: int = 8) -> str:
        return f"{prefix}{next(self._counter):0{width}d}"

    # --- messages -----------------------------------------------------------------
    def add_message(self, message: Message) -> Message:
        self.messages.setdefault(message.channel, []).append(message)
        self.changed()
        return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        for message in self.messages.get(channel, []):
            if message.ts == ts and not message.deleted:
                return message
        return None

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """The parent (first) and its replies, in order, without deleted messages."""
        return [
            message
            for message in self.messages.get(channel, [])
            if not message.deleted and (message.ts == thread_ts or message.thread_ts == thread_ts)
        ]

    def top_level(self, channel: str) -> list[Message]:
        return [
            message
            for message in self.messages.get(channel, [])
            if not message.deleted and (message.thread_ts in (None, message.ts))
        ]
