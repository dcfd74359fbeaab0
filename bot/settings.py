"""Configuration: one pydantic-settings object, built once by the CLI and passed down.

Nothing here runs at import time; ``load_settings()`` builds the object and turns any
validation failure into one ``ConfigError`` line that names the variable.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

Budget = Literal["low", "standard", "high", "unlimited"]
BUDGETS: tuple[Budget, ...] = ("low", "standard", "high", "unlimited")


class Settings(BaseSettings):
    """Every setting of DESIGN.md section 2; field names are the variables, lower-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: HttpUrl = HttpUrl("https://slack.com/api/")
    slack_command: str = "/worker"

    workers_api_url: HttpUrl | None = None
    workers_api_key: SecretStr | None = None

    database_url: str = "sqlite+aiosqlite:///slack-workers.db"
    default_budget: Budget = "standard"
    unlimited_budget_users: Annotated[frozenset[str], NoDecode] = frozenset()

    lease_seconds: float = Field(default=30.0, ge=1.0, le=600.0)
    """How long a process owns a running turn without renewing it (renewed every third):
    after a crash, another process resumes the turn this long after the last renewal."""

    host: str = "0.0.0.0"  # a server in a container listens on all interfaces
    port: int = Field(default=3000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console", "auto"] = "auto"

    @field_validator("unlimited_budget_users", mode="before")
    @classmethod
    def _split_users(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("slack_command")
    @classmethod
    def _command_starts_with_slash(cls, value: str) -> str:
        if not value.startswith("/") or len(value) < 2 or " " in value:
            raise ValueError("must look like /worker")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_prefix(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_prefix(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth(self) -> bool:
        return self.slack_client_id is not None and self.slack_client_secret is not None

    def require_for_run(self) -> None:
        """Check what ``slack-workers run`` cannot do without; raise one ConfigError."""
        if self.workers_api_url is None:
            raise ConfigError("WORKERS_API_URL is not set: the URL of the Workers API")
        if self.workers_api_key is None:
            raise ConfigError("WORKERS_API_KEY is not set: the bearer key of the Workers API")
        if self.slack_bot_token is None and not self.oauth:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth)"
            )
        if not self.socket_mode and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode must verify Slack's requests "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment (and ``.env``); one clear line on failure."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name} is invalid: {first['msg']}") from None
