"""slack-sdk's OAuth stores work on our engine and our migrated tables."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.models.installation import Installation

from storage.engine import Database
from storage.oauth import installation_store, oauth_state_store


async def test_an_installation_is_saved_and_found(any_database: Database) -> None:
    store = installation_store(any_database, client_id="111.222")
    await store.async_save(
        Installation(
            app_id="A1", enterprise_id=None, team_id="T1", user_id="U1",
            bot_token="xoxb-test-token", bot_id="B1", bot_user_id="UB1",
            bot_scopes="chat:write,commands",
        )
    )  # fmt: skip

    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    other = await store.async_find_bot(enterprise_id=None, team_id="T2")

    assert found is not None and found.bot_token == "xoxb-test-token"
    assert bot is not None and bot.bot_user_id == "UB1"
    assert other is None


async def test_an_oauth_state_is_consumed_once(any_database: Database) -> None:
    store = oauth_state_store(any_database, expiration_seconds=60)

    state = await store.async_issue()

    assert await store.async_consume(state) is True
    assert await store.async_consume(state) is False
    assert await store.async_consume("never-issued") is False
