import asyncio
import time
from datetime import UTC, datetime

from bot.relay.budget import METHOD_LIMITS, Priority, SlackBudget, _Window

SPEED = 1000.0  # clock seconds per real second


class FastClock:
    """Time runs SPEED times faster than real time, so minute-long windows pass quickly."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return (time.monotonic() - self._start) * SPEED

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / SPEED)


def test_budgets_stay_below_slacks_published_limits() -> None:
    published_per_minute = {
        "chat.update": 50,
        "chat.startStream": 20,
        "chat.stopStream": 20,
        "chat.appendStream": 100,
        "reactions.add": 50,
        "views.open": 100,
    }
    for method, per_minute in published_per_minute.items():
        for limit in METHOD_LIMITS[method]:
            assert limit.calls * 60 / limit.window < per_minute, method
    per_channel, per_team = METHOD_LIMITS["chat.postMessage"]
    assert per_channel.per_channel and per_channel.calls / per_channel.window < 1.0
    assert not per_team.per_channel


async def test_no_window_ever_holds_more_calls_than_the_limit() -> None:
    clock = FastClock()
    budget = SlackBudget(clock)
    granted: list[float] = []
    for _ in range(100):
        await budget.acquire("chat.update", channel=None, priority=Priority.NORMAL)
        granted.append(clock.monotonic())
    limit = METHOD_LIMITS["chat.update"][0]
    burst = int(limit.calls / 4)
    assert granted[burst - 1] - granted[0] < 1.0  # a burst goes out at once...
    for first, last in zip(granted, granted[limit.calls :], strict=False):
        assert last - first >= limit.window  # ...never more than `calls` per window...
    paced = granted[burst - 1 : limit.calls]
    average_gap = (paced[-1] - paced[0]) / (len(paced) - 1)
    assert average_gap > 0.9 * limit.window / limit.calls  # ...and the rest of it paced


async def test_urgent_waiters_go_before_earlier_normal_ones() -> None:
    budget = SlackBudget(FastClock())
    limit = METHOD_LIMITS["chat.update"][0]
    for _ in range(limit.calls):  # use up the whole window
        await budget.acquire("chat.update", channel="C1", priority=Priority.URGENT)
    order: list[str] = []

    async def take(name: str, priority: Priority) -> None:
        await budget.acquire("chat.update", channel="C1", priority=priority)
        order.append(name)

    normal = [asyncio.create_task(take(f"n{i}", Priority.NORMAL)) for i in range(3)]
    await asyncio.sleep(0)
    urgent = asyncio.create_task(take("urgent", Priority.URGENT))
    await asyncio.gather(*normal, urgent)
    assert order == ["urgent", "n0", "n1", "n2"]  # then first come, first served


async def test_post_message_is_limited_per_channel_not_across_channels() -> None:
    budget = SlackBudget(FastClock())
    per_channel = METHOD_LIMITS["chat.postMessage"][0]
    for _ in range(per_channel.calls):
        await budget.acquire("chat.postMessage", channel="C1", priority=Priority.NORMAL)
    assert not budget.is_free("chat.postMessage", channel="C1")
    assert budget.is_free("chat.postMessage", channel="C2")


async def test_penalty_blocks_the_method_for_retry_after() -> None:
    clock = FastClock()
    budget = SlackBudget(clock)
    budget.penalize("chat.update", channel=None, retry_after=30)
    assert not budget.is_free("chat.update")
    assert budget.is_free("reactions.add")  # other methods keep their own budget
    before = clock.monotonic()
    await budget.acquire("chat.update", channel=None, priority=Priority.URGENT)
    assert clock.monotonic() - before >= 29


async def test_cancelled_waiter_leaves_the_queue() -> None:
    budget = SlackBudget(FastClock())
    budget.penalize("chat.update", channel=None, retry_after=1e9)
    stuck = asyncio.create_task(
        budget.acquire("chat.update", channel=None, priority=Priority.NORMAL)
    )
    await asyncio.sleep(0.01)
    assert not stuck.done()
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    assert all(not queue for queue in budget._queues.values())


def test_part_of_each_window_is_kept_for_urgent_calls() -> None:
    limit = METHOD_LIMITS["chat.update"][0]
    window = _Window(limit, FastClock(), 1.0)
    for _ in range(window.shared):
        window.take()
    window.tokens = window.capacity  # pacing aside: only the window's count matters here
    assert 0 < window.shared < limit.calls
    assert window.wait_time(Priority.NORMAL) > 0  # progress edits have used their share
    assert window.wait_time(Priority.URGENT) == 0  # final outputs still go out at once
    for _ in range(limit.calls - window.shared):
        window.take()
    window.tokens = window.capacity
    assert window.wait_time(Priority.URGENT) > 0  # and the window's cap holds for all


async def test_try_acquire_takes_only_what_is_free_now() -> None:
    budget = SlackBudget(FastClock())
    taken = 0
    while budget.try_acquire("chat.update", channel=None):
        taken += 1
    assert 0 < taken < METHOD_LIMITS["chat.update"][0].calls  # the burst, no more
    budget2 = SlackBudget(FastClock())
    waiter = asyncio.create_task(
        budget2.acquire("chat.update", channel=None, priority=Priority.URGENT)
    )
    budget2.penalize("chat.update", channel=None, retry_after=1e9)
    assert not budget2.try_acquire("chat.update", channel=None)  # blocked: nothing taken
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
