from pathlib import Path

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack
from tests.bot.harness import ALICE, CHANNEL, running_bot


async def test_slash_command_streams_a_worker_into_the_thread(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(fake_slack, emulator, tmp_path) as stack:
        answer = await stack.driver.slash_command(ALICE, CHANNEL, "summarise the release notes")
        assert answer.status == 200
        parent = await fake_slack.wait_for(
            lambda: next(iter(fake_slack.messages(CHANNEL)), None), timeout=10
        )
        assert f"<@{ALICE}>" in fake_slack.visible_text(CHANNEL, parent.ts)

        def finished() -> bool:
            reactions = fake_slack.reactions(CHANNEL, parent.ts)
            return "white_check_mark" in reactions

        await fake_slack.wait_for(finished, timeout=20)
        replies = fake_slack.thread(CHANNEL, parent.ts)
        shown = "\n".join(fake_slack.visible_text(CHANNEL, m.ts) for m in replies)
        worker_id = next(iter(emulator.workers))
        expected = emulator.worker(worker_id)
        assert "summarise the release notes" in shown or len(shown) > 200
        assert "Schedule" in str([m.blocks for m in replies])
        assert expected is not None
