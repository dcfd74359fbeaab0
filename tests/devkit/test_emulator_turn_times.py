"""The turn timestamps the relay benchmark reads: first delta, then completion."""

from __future__ import annotations

import asyncio

from handinger import AsyncHandinger

from bot.devkit.emulator.server import Emulator


async def test_turn_records_first_delta_and_completion(
    emulator: Emulator, sdk: AsyncHandinger
) -> None:
    created = await sdk.workers.create(input="Time me deltas=4 pace=0.02")
    turn = emulator.worker(created.id).turns[0]
    assert turn.first_delta_at is None
    assert turn.finished_at is None

    async with asyncio.timeout(5):
        await emulator.wait_idle()

    assert turn.first_delta_at is not None
    assert turn.finished_at is not None
    assert turn.first_delta_at < turn.finished_at  # three more deltas came in between
