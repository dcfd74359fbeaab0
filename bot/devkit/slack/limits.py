"""Slack's Web API rate limits, as sliding windows (slack-facts.md section 2).

One table says, for each method, how many calls fit in which window and per what
(the workspace, or one channel). ``RateLimiter.admit`` either records a call or says how
many whole seconds the caller must wait, which becomes the 429's ``Retry-After``.
``rate_scale`` compresses every window (2.0 = twice the rate, same burst sizes), so a
benchmark can run a realistic budget in less wall time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Scope = Literal["team", "channel"]


@dataclass(frozen=True)
class Limit:
    calls: int
    window: float  # seconds
    scope: Scope = "team"


TIER_1 = Limit(1, 60.0)
TIER_2 = Limit(20, 60.0)
TIER_3 = Limit(50, 60.0)
TIER_4 = Limit(100, 60.0)

# chat.postMessage: about one per second per channel with short bursts, plus a
# workspace-wide cap ("several hundred messages per minute").
POST_MESSAGE_PER_CHANNEL = Limit(5, 5.0, "channel")
POST_MESSAGE_PER_TEAM = Limit(300, 60.0)

LIMITS: Mapping[str, tuple[Limit, ...]] = {
    "auth.test": (TIER_4,),
    # Tier 1 in the docs ("1+ per minute"), but Slack asks apps to reconnect
    # (``disconnect``/``refresh_requested``) and serves the new URL at once; a strict
    # 1/min here would stall every refresh for a minute.
    "apps.connections.open": (Limit(10, 60.0),),
    "chat.postMessage": (POST_MESSAGE_PER_CHANNEL, POST_MESSAGE_PER_TEAM),
    "chat.postEphemeral": (TIER_4,),
    "chat.update": (TIER_3,),
    "chat.delete": (TIER_3,),
    "chat.getPermalink": (TIER_4,),
    "chat.startStream": (TIER_2,),
    "chat.appendStream": (TIER_4,),
    "chat.stopStream": (TIER_2,),
    "reactions.add": (TIER_3,),
    "reactions.remove": (TIER_3,),
    "conversations.info": (TIER_3,),
    "conversations.members": (TIER_3,),
    "conversations.replies": (TIER_3,),
    "conversations.history": (TIER_3,),
    "users.info": (TIER_4,),
    "views.open": (TIER_4,),
    "views.update": (TIER_4,),
    "views.push": (TIER_4,),
    "views.publish": (TIER_4,),
    "files.getUploadURLExternal": (TIER_4,),
    "files.completeUploadExternal": (TIER_4,),
    # "special" in Slack's docs; the Java SDK treats it like postMessage per DM.
    "assistant.threads.setStatus": (Limit(60, 60.0, "channel"),),
}


class RateLimiter:
    """Sliding-window counters keyed by (method, limit, team, channel-or-team)."""

    def __init__(self, *, scale: float = 1.0, table: Mapping[str, tuple[Limit, ...]] = LIMITS):
        if scale <= 0:
            raise ValueError("rate_scale must be positive")
        self.scale = scale
        self.table = table
        self._windows: dict[tuple[str, int, str, str], deque[float]] = {}

    def admit(self, method: str, *, team: str, channel: str | None, now: float) -> int | None:
        """Records the call and returns None, or returns Retry-After seconds (>= 1)."""
        limits = self.table.get(method, ())
        keys: list[tuple[tuple[str, int, str, str], Limit]] = []
        wait = 0.0
        for index, limit in enumerate(limits):
            scope_key = (channel or "") if limit.scope == "channel" else team
            key = (method, index, team, scope_key)
            window = limit.window / self.scale
            calls = self._windows.setdefault(key, deque())
            while calls and calls[0] <= now - window:
                calls.popleft()
            if len(calls) >= limit.calls:
                wait = max(wait, calls[0] + window - now)
            keys.append((key, limit))
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _limit in keys:
            self._windows[key].append(now)
        return None

    def reset(self) -> None:
        self._windows.clear()
