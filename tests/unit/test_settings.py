import pytest

from bot.errors import ConfigError
from bot.settings import load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("SLACK_", "WORKERS_", "DATABASE_", "UNLIMITED_", "DEFAULT_BUDGET")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults_match_design() -> None:
    s = load_settings()
    assert s.slack_command == "/worker"
    assert str(s.slack_api_url) == "https://slack.com/api/"
    assert s.database_url == "sqlite+aiosqlite:///slack-workers.db"
    assert s.default_budget == "standard"
    assert s.unlimited_budget_users == frozenset()
    assert (s.host, s.port) == ("0.0.0.0", 3000)


def test_unlimited_users_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNLIMITED_BUDGET_USERS", "U1, U2,,U3")
    assert load_settings().unlimited_budget_users == frozenset({"U1", "U2", "U3"})


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("DEFAULT_BUDGET", "huge"),
        ("PORT", "seventy"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("WORKERS_API_URL", "not a url"),
        ("SLACK_COMMAND", "worker"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(var)
    assert "\n" not in message
    assert "xoxp-user-token" not in message  # secrets are never echoed


def test_run_requires_workers_api_and_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="WORKERS_API_URL"):
        load_settings().require_for_run()
    monkeypatch.setenv("WORKERS_API_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("WORKERS_API_KEY", "k")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        load_settings().require_for_run()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        load_settings().require_for_run()
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    settings = load_settings()
    settings.require_for_run()
    assert settings.socket_mode
