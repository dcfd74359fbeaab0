"""Slack rate budget: sliding windows per method (and per channel for chat.postMessage).

Slack limits each Web API method per workspace in tiers counted per minute, and lets
short bursts through (slack-facts.md section 2); a call over the limit gets HTTP 429
with ``Retry-After``. We stay under the published limits instead of bouncing off them:
each method may be called at most ``calls`` times in any ``window`` seconds, a little
below Slack's figure, and a token bucket paces the calls inside the window (bursts of a
quarter of it). Counting the way Slack counts lets a burst of first texts out at once
when many turns start together; the pacing keeps some of the minute for what follows.

Waiters are served by priority (``Priority.URGENT`` first: the first visible text of a
turn and its final output), then in arrival order. Each turn keeps at most one write
waiting at a time, so arrival order is round-robin between turns: fair sharing.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum

from bot.clock import Clock


class Priority(IntEnum):
    URGENT = 0  # first visible text, final output, user-facing answers
    NORMAL = 1  # progressive edits of a running turn
    LOW = 2  # decorations: reactions


@dataclass(frozen=True)
class Limit:
    calls: int
    window: float  # seconds
    per_channel: bool = False
    reserve: bool = False  # keep part of the window for URGENT calls (see _Window)


# Slack's published tiers: T2 20+/min, T3 50+/min, T4 100+/min; chat.postMessage about
# 1/s per channel with short bursts, and several hundred a minute per workspace.
TIER2 = Limit(calls=18, window=60.0)
TIER3 = Limit(calls=45, window=60.0)
# chat.update carries both the progress edits of running turns and the final output of
# finished ones: the final ones must not wait a minute behind the progress of others.
TIER3_EDITS = Limit(calls=45, window=60.0, reserve=True)
TIER4 = Limit(calls=90, window=60.0)
SHARED_FRACTION = 0.4  # of a reserve window, what progress edits may use

POST_PER_CHANNEL = Limit(calls=4, window=5.0, per_channel=True)
POST_PER_TEAM = Limit(calls=240, window=60.0)

METHOD_LIMITS: dict[str, tuple[Limit, ...]] = {
    "chat.postMessage": (POST_PER_CHANNEL, POST_PER_TEAM),
    "chat.postEphemeral": (TIER4,),
    "chat.update": (TIER3_EDITS,),
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
    "conversations.replies": (TIER3,),
}
DEFAULT_LIMIT = (TIER3,)


@dataclass(order=True)
class _Ticket:
    priority: int
    seq: int
    granted: asyncio.Event = field(compare=False, default_factory=asyncio.Event)


class _Window:
    """The calls granted in the last ``window`` seconds, paced by a token bucket.

    The window is the hard cap (never more than ``calls`` in any ``window`` seconds, as
    Slack counts). The bucket spreads them: a burst of a quarter of the window's calls
    goes out at once, the rest at the window's average rate, so a busy minute does not
    spend its whole allowance in its first second and then starve.
    """

    def __init__(self, limit: Limit, clock: Clock, scale: float) -> None:
        self.calls = max(1, round(limit.calls * scale)) if scale >= 1 else limit.calls
        self.window = limit.window if scale >= 1 else limit.window / scale
        self.clock = clock
        self.granted: deque[float] = deque()
        self.blocked_until = 0.0
        self.shared = max(1, int(self.calls * SHARED_FRACTION)) if limit.reserve else self.calls
        self.capacity = max(1.0, self.calls / 4)
        self.rate = self.calls / self.window
        self.tokens = self.capacity
        self.refilled = clock.monotonic()

    def wait_time(self, priority: Priority = Priority.URGENT) -> float:
        """Seconds until one more call of ``priority`` fits (0 when it fits now).

        For a ``reserve`` limit, calls below ``URGENT`` may fill only ``SHARED_FRACTION``
        of the window: the rest is kept for final outputs, which would otherwise queue
        behind a minute of progress edits when many turns run at once.
        """
        now = self.clock.monotonic()
        while self.granted and self.granted[0] <= now - self.window:
            self.granted.popleft()
        self.tokens = min(self.capacity, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if now < self.blocked_until:
            return self.blocked_until - now
        waits = [0.0]
        cap = self.calls if priority == Priority.URGENT else self.shared
        if len(self.granted) >= cap:
            waits.append(self.granted[len(self.granted) - cap] + self.window - now)
        if self.tokens < 1.0:
            waits.append((1.0 - self.tokens) / self.rate)
        return max(waits)

    def take(self) -> None:
        self.granted.append(self.clock.monotonic())
        self.tokens -= 1.0

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, self.clock.monotonic() + seconds)


class SlackBudget:
    """The rate budget of one workspace; ``await acquire(...)`` before every Web API call.

    ``scale`` multiplies the calls allowed (benchmarks and tests use it to overshoot
    Slack's limits on purpose).
    """

    def __init__(self, clock: Clock, *, scale: float = 1.0) -> None:
        self._clock = clock
        self._scale = scale
        self._windows: dict[tuple[str, str], _Window] = {}
        self._queues: dict[tuple[str, str], list[_Ticket]] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()

    def _keys(self, method: str, channel: str | None) -> list[tuple[tuple[str, str], Limit]]:
        keys = []
        for index, limit in enumerate(METHOD_LIMITS.get(method, DEFAULT_LIMIT)):
            scope = f"{index}:{channel}" if limit.per_channel and channel else str(index)
            keys.append(((method, scope), limit))
        return keys

    def _window(self, key: tuple[str, str], limit: Limit) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(limit, self._clock, self._scale)
        return window

    def is_free(self, method: str, *, channel: str | None = None) -> bool:
        """Nobody waits for ``method`` and a call would go out now."""
        keys = self._keys(method, channel)
        if self._queues.get(keys[0][0]):
            return False
        return all(self._window(key, limit).wait_time(Priority.NORMAL) <= 0 for key, limit in keys)

    def try_acquire(self, method: str, *, channel: str | None) -> bool:
        """Take a ``NORMAL`` call of ``method`` if one fits right now, without waiting
        (like ``Lock.acquire(blocking=False)``): False means nothing was taken."""
        if not self.is_free(method, channel=channel):
            return False
        for key, limit in self._keys(method, channel):
            self._window(key, limit).take()
        return True

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
                    windows = [self._window(key, limit) for key, limit in keys]
                    wait = max(window.wait_time(priority) for window in windows)
                    if wait <= 0:
                        for window in windows:
                            window.take()
                        heapq.heappop(queue)
                        self._notify()
                        return
                else:
                    wait = 1.0  # not at the head: woken when the head moves
                await self._sleep_or_wake(wait)
        except BaseException:
            if ticket in queue:
                queue.remove(ticket)
                heapq.heapify(queue)
                self._notify()
            raise

    def penalize(self, method: str, *, channel: str | None, retry_after: float) -> None:
        """Slack said 429: nobody calls ``method`` (in that scope) for ``retry_after`` s."""
        for key, limit in self._keys(method, channel):
            self._window(key, limit).block(retry_after)
        self._notify()

    async def _sleep_or_wake(self, seconds: float) -> None:
        """Sleep on the clock until ``seconds`` pass or the queues change."""
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(sleeper, waker, return_exceptions=True)

    def _notify(self) -> None:
        self._wake.set()
