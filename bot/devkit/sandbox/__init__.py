"""The local Slack sandbox: a page in the browser that plays Slack for ``slack-workers dev``.

It lives on the fake Slack's server (``bot.devkit.slack``), so the Web API the bot calls
and the page a person uses share one state::

    sandbox = Sandbox(command="/worker")
    async with running_fake_slack(extend=sandbox.install) as fake:
        ...  # start the bot with fake.bot_token and fake.url + "/api/"
        sandbox.connect(bot_url)
        print(f"open {fake.url}/")
"""

from bot.devkit.sandbox.routes import Sandbox

__all__ = ["Sandbox"]
