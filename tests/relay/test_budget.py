import asyncio

from bot.clock import SystemClock
from bot.relay.budget import METHOD_LIMITS, Priority, SlackBudget


def test_published_limits_are_never_exceeded_in_a_minute() -> None:
    published = {
        "chat.update": 50,
        "chat.startStream": 20,
        "chat.stopStream": 20,
        "chat.appendStream": 100,
        "reactions.add": 50,
        "views.open": 100,
    }
    for method, per_minute in published.items():
        for limit in METHOD_LIMITS[method]:
            assert limit.burst + limit.per_minute <= per_minute, method
    per_channel = METHOD_LIMITS["chat.postMessage"][0]
    assert per_channel.per_channel and per_channel.per_minute <= 60


async def test_urgent_waiters_go_before_earlier_normal_ones() -> None:
    budget = SlackBudget(SystemClock(), scale=30.0)  # 22.5 chat.update tokens a second
    for _ in range(4):  # drain the burst
        await budget.acquire("chat.update", channel="C1", priority=Priority.NORMAL)
    order: list[str] = []

    async def take(name: str, priority: Priority) -> None:
        await budget.acquire("chat.update", channel="C1", priority=priority)
        order.append(name)

    normal = [asyncio.create_task(take(f"n{i}", Priority.NORMAL)) for i in range(3)]
    await asyncio.sleep(0)
    urgent = asyncio.create_task(take("urgent", Priority.URGENT))
    await asyncio.gather(*normal, urgent)
    assert order[0] == "urgent"
    assert order[1:] == ["n0", "n1", "n2"]  # then first come, first served


async def test_penalty_blocks_the_method_for_retry_after() -> None:
    budget = SlackBudget(SystemClock())
    budget.penalize("chat.update", channel=None, retry_after=30)
    waiter = asyncio.create_task(
        budget.acquire("chat.update", channel=None, priority=Priority.URGENT)
    )
    await asyncio.sleep(0.05)
    assert not waiter.done()
    # Other methods keep their own budget.
    await asyncio.wait_for(
        budget.acquire("reactions.add", channel=None, priority=Priority.LOW), timeout=1
    )
    waiter.cancel()


async def test_cancelled_waiter_leaves_the_queue() -> None:
    budget = SlackBudget(SystemClock(), scale=0.01)
    for _ in range(4):
        await budget.acquire("chat.update", channel=None, priority=Priority.NORMAL)
    stuck = asyncio.create_task(
        budget.acquire("chat.update", channel=None, priority=Priority.NORMAL)
    )
    await asyncio.sleep(0.01)
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    assert all(not queue for queue in budget._queues.values())
