"""Socket Mode: the same app over the fake Slack's websocket (apps.connections.open)."""

from pathlib import Path

from bot.devkit.emulator.server import Emulator
from bot.devkit.slack import FakeSlack, SlackDriver
from tests.bot.harness import ALICE, CHANNEL, running_bot, thread_replies_text, wait_finished


async def test_socket_mode_serves_commands_and_events(
    fake_slack: FakeSlack, emulator: Emulator, tmp_path: Path
) -> None:
    async with running_bot(
        fake_slack,
        emulator,
        tmp_path,
        slack_app_token=fake_slack.app_token,
        slack_signing_secret=None,
    ):
        driver = SlackDriver(
            fake_slack, "unused", fake_slack.signing_secret, transport="socket_mode"
        )
        await fake_slack.wait_for(lambda: fake_slack.calls_to("apps.connections.open"))
        answer = await driver.slash_command(ALICE, CHANNEL, "over the socket")
        assert answer.status == 200
        parent = await fake_slack.wait_for(lambda: next(iter(fake_slack.messages(CHANNEL)), None))
        assert await wait_finished(fake_slack, CHANNEL, parent.ts) == "white_check_mark"
        dm = await driver.message(ALICE, "D0ALICE", "and a DM over the socket")
        assert await wait_finished(fake_slack, "D0ALICE", dm.ts) == "white_check_mark"
        assert "and a DM over the socket" in thread_replies_text(fake_slack, "D0ALICE", dm.ts)
    assert len(emulator.workers) == 2
    hub = fake_slack.socket_mode
    sent = {envelope["envelope_id"] for envelope in hub.envelopes}
    assert sent and sent == {ack.envelope_id for ack in hub.acks}  # every envelope acked
