"""Slack rate budget: token buckets per method (and per channel for chat.postMessage).

Slack limits each Web API method per workspace in tiers (slack-facts.md section 2); a
call over the limit gets HTTP 429 with ``Retry-After``. We stay under the published
limits instead of bouncing off them: each bucket holds ``burst`` tokens and refills at
``per_minute / 60`` tokens a second, so no 60-second window ever sees more than
``burst + per_minute`` calls -- chosen below Slack's published figure.

Waiters are served by priority (``Priority.URGENT`` first: the first visible text of a
turn and its final output), then in arrival order. Each turn keeps at most one write
waiting at a time, so arrival order is round-robin between turns: fair sharing.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from dataclasses import dataclass, field
from enum import IntEnum

from bot.clock import Clock


class Priority(IntEnum):
    URGENT = 0  # first visible text, final output, user-facing answers
    NORMAL = 1  # progressive edits of a running turn
    LOW = 2  # decorations: reactions


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: float
    per_channel: bool = False


# Slack's published tiers: T2 20+/min, T3 50+/min, T4 100+/min; chat.postMessage ~1/s per
# channel. Each entry keeps burst + per_minute at or below the published figure.
TIER2 = Limit(per_minute=17, burst=2)
TIER3 = Limit(per_minute=45, burst=4)
TIER4 = Limit(per_minute=90, burst=6)
POST_PER_CHANNEL = Limit(per_minute=50, burst=1, per_channel=True)
POST_PER_TEAM = Limit(per_minute=240, burst=10)

METHOD_LIMITS: dict[str, tuple[Limit, ...]] = {
    "chat.postMessage": (POST_PER_CHANNEL, POST_PER_TEAM),
    "chat.postEphemeral": (TIER4,),
    "chat.update": (TIER3,),
    "chat.delete": (TIER3,),
    "chat.startStream": (TIER2,),
    "chat.appendStream": (TIER4,),
    "chat.stopStream": (TIER2,),
    "chat.getPermalink": (TIER4,),
    "reactions.add": (TIER3,),
    "reactions.remove": (TIER3,),
    "views.open": (TIER4,),
    "views.update": (TIER4,),
    "views.push": (TIER4,),
    "views.publish": (TIER4,),
    "files.getUploadURLExternal": (TIER4,),
    "files.completeUploadExternal": (TIER4,),
    "users.info": (TIER4,),
    "conversations.info": (TIER3,),
}
DEFAULT_LIMIT = (TIER3,)


@dataclass(order=True)
class _Ticket:
    priority: int
    seq: int
    granted: asyncio.Event = field(compare=False, default_factory=asyncio.Event)


class _Bucket:
    def __init__(self, limit: Limit, clock: Clock, scale: float) -> None:
        self.rate = limit.per_minute * scale / 60.0
        self.capacity = max(1.0, limit.burst)
        self.tokens = self.capacity
        self.clock = clock
        self.updated = clock.monotonic()
        self.blocked_until = 0.0

    def _refill(self) -> float:
        now = self.clock.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when available now)."""
        now = self._refill()
        if now < self.blocked_until:
            return self.blocked_until - now
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self.tokens -= 1.0

    def block(self, seconds: float) -> None:
        now = self._refill()
        self.blocked_until = max(self.blocked_until, now + seconds)
        self.tokens = 0.0


class SlackBudget:
    """The rate budget of one workspace; ``await acquire(...)`` before every Web API call."""

    def __init__(self, clock: Clock, *, scale: float = 1.0) -> None:
        self._clock = clock
        self._scale = scale
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._queues: dict[tuple[str, str], list[_Ticket]] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()

    def _keys(self, method: str, channel: str | None) -> list[tuple[tuple[str, str], Limit]]:
        keys = []
        for index, limit in enumerate(METHOD_LIMITS.get(method, DEFAULT_LIMIT)):
            scope = f"{index}:{channel}" if limit.per_channel and channel else str(index)
            keys.append(((method, scope), limit))
        return keys

    def _bucket(self, key: tuple[str, str], limit: Limit) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(limit, self._clock, self._scale)
        return bucket

    async def acquire(self, method: str, *, channel: str | None, priority: Priority) -> None:
        """Wait until ``method`` may be called; highest priority, then oldest, goes first."""
        keys = self._keys(method, channel)
        head_key = keys[0][0]
        ticket = _Ticket(int(priority), next(self._seq))
        queue = self._queues.setdefault(head_key, [])
        heapq.heappush(queue, ticket)
        try:
            while True:
                if queue[0] is ticket:
                    buckets = [self._bucket(key, limit) for key, limit in keys]
                    wait = max(bucket.wait_time() for bucket in buckets)
                    if wait <= 0:
                        for bucket in buckets:
                            bucket.take()
                        heapq.heappop(queue)
                        self._notify()
                        return
                else:
                    wait = 1.0  # not at the head: woken when the head moves
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
        except BaseException:
            if ticket in queue:
                queue.remove(ticket)
                heapq.heapify(queue)
                self._notify()
            raise

    def penalize(self, method: str, *, channel: str | None, retry_after: float) -> None:
        """Slack said 429: nobody calls ``method`` (in that scope) for ``retry_after`` s."""
        for key, limit in self._keys(method, channel):
            self._bucket(key, limit).block(retry_after)
        self._notify()

    def _notify(self) -> None:
        self._wake.set()
