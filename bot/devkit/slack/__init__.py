"""The fake Slack: Web API with Slack's limits and validation, Socket Mode, and a driver
that plays Slack's side (signed events, commands and interactions sent to the bot).

Used by the bot's tests, the benchmark and the local sandbox::

    async with running_fake_slack() as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")
        driver = SlackDriver(fake, bot_url, fake.signing_secret)
"""

from bot.devkit.slack.driver import BotResponse, DriverError, MessageSent, SlackDriver
from bot.devkit.slack.fake import FakeSlack
from bot.devkit.slack.server import build_web_app, running_fake_slack

__all__ = [
    "BotResponse",
    "DriverError",
    "FakeSlack",
    "MessageSent",
    "SlackDriver",
    "build_web_app",
    "running_fake_slack",
]
