"""Rate limits like Slack's: 429 + Retry-After, the call not performed; fake clock, no sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.slack import FakeSlack, running_fake_slack
from bot.devkit.slack.limits import LIMITS, TIER_2, TIER_3, RateLimiter
from tests.fixtures.slack import ManualClock


@pytest.fixture
async def limited(slack_clock: ManualClock) -> AsyncIterator[FakeSlack]:
    async with running_fake_slack(clock=slack_clock) as fake:
        yield fake


def client_for(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")


async def rate_limited(call: object) -> int:
    """Awaits a call that must be refused with 429; returns its Retry-After."""
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    response = caught.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    return int(response.headers["Retry-After"])


def test_tiers_match_slack_facts() -> None:
    assert LIMITS["chat.update"] == (TIER_3,)
    assert LIMITS["chat.startStream"] == LIMITS["chat.stopStream"] == (TIER_2,)
    assert LIMITS["chat.appendStream"][0].calls == 100
    assert LIMITS["reactions.add"] == (TIER_3,)


def test_sliding_window_retry_after_counts_to_the_oldest_slot() -> None:
    limiter = RateLimiter()
    for second in range(50):
        assert limiter.admit("chat.update", team="T", channel="C", now=float(second)) is None
    assert limiter.admit("chat.update", team="T", channel="C", now=50.0) == 10
    assert limiter.admit("chat.update", team="T", channel="C", now=59.5) == 1
    assert limiter.admit("chat.update", team="T", channel="C", now=60.0) is None
    assert limiter.admit("chat.update", team="OTHER", channel="C", now=60.0) is None


def test_rate_scale_compresses_windows() -> None:
    limiter = RateLimiter(scale=60.0)  # Tier 2: 20 per second
    for _ in range(20):
        assert limiter.admit("chat.startStream", team="T", channel=None, now=0.0) is None
    assert limiter.admit("chat.startStream", team="T", channel=None, now=0.5) == 1
    assert limiter.admit("chat.startStream", team="T", channel=None, now=1.0) is None


async def test_tier_3_chat_update_gets_429_and_is_not_performed(
    limited: FakeSlack, slack_clock: ManualClock
) -> None:
    client = client_for(limited)
    ts = (await client.chat_postMessage(channel="C0GENERAL", text="v0"))["ts"]
    for n in range(50):
        await client.chat_update(channel="C0GENERAL", ts=ts, text=f"v{n + 1}")
    slack_clock.advance(30)
    assert await rate_limited(client.chat_update(channel="C0GENERAL", ts=ts, text="lost")) == 30
    assert limited.visible_text("C0GENERAL", ts) == "v50"
    assert limited.rate_limited_count == 1
    assert limited.calls_to("chat.update")[-1].status == 429
    slack_clock.advance(30)
    await client.chat_update(channel="C0GENERAL", ts=ts, text="after the window")
    assert limited.visible_text("C0GENERAL", ts) == "after the window"


async def test_tier_2_start_stream(limited: FakeSlack) -> None:
    client = client_for(limited)
    root = (await client.chat_postMessage(channel="D0ALICE", text="hi"))["ts"]
    for _ in range(20):
        await client.chat_startStream(channel="D0ALICE", thread_ts=root)
    assert await rate_limited(client.chat_startStream(channel="D0ALICE", thread_ts=root)) == 60
    assert len(limited.thread("D0ALICE", root)) == 21  # the refused call created nothing


async def test_post_message_per_channel_burst_and_workspace_cap(
    limited: FakeSlack, slack_clock: ManualClock
) -> None:
    client = client_for(limited)
    for n in range(5):
        await client.chat_postMessage(channel="C0GENERAL", text=f"burst {n}")
    assert await rate_limited(client.chat_postMessage(channel="C0GENERAL", text="x")) == 5
    await client.chat_postMessage(channel="G0PRIVATE", text="another channel is fine")
    slack_clock.advance(1.0)
    assert await rate_limited(client.chat_postMessage(channel="C0GENERAL", text="x")) == 4
    slack_clock.advance(4.0)
    await client.chat_postMessage(channel="C0GENERAL", text="slot freed")
    assert [m.text for m in limited.messages("C0GENERAL")][-1] == "slot freed"


async def test_workspace_cap_across_channels(slack_clock: ManualClock) -> None:
    async with running_fake_slack(clock=slack_clock) as fake:
        from bot.devkit.slack.state import BOT_USER_ID, Channel

        for n in range(60):
            fake.state.add_channel(Channel(f"C0MANY{n}", f"many-{n}", "channel", {BOT_USER_ID}))
        client = client_for(fake)
        for n in range(300):
            await client.chat_postMessage(channel=f"C0MANY{n % 60}", text="x")
        assert await rate_limited(client.chat_postMessage(channel="C0GENERAL", text="x")) == 60


async def test_limits_can_be_turned_off(slack_clock: ManualClock) -> None:
    async with running_fake_slack(clock=slack_clock, rate_limits=False) as fake:
        client = client_for(fake)
        for _ in range(30):
            await client.chat_postMessage(channel="C0GENERAL", text="x")
        assert fake.rate_limited_count == 0
