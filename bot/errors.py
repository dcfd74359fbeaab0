"""The one error hierarchy of slack-workers.

Every error raised on purpose by this package derives from ``SlackWorkersError``::

    SlackWorkersError
    ├── ConfigError                 a setting is missing or malformed (start-up stops)
    ├── WorkersApiError             the Workers API answered badly or not at all
    │   ├── WorkersUnauthorized     401/403: the key is wrong
    │   ├── WorkersNotFound         404: unknown worker, schedule or file
    │   ├── WorkersRejected         400/409/422: the server refused the input (its message kept)
    │   ├── WorkersRateLimited      429: ``retry_after`` seconds, if the server said
    │   ├── WorkersUnavailable      5xx, connection errors, timeouts, broken streams
    │   └── WorkersFileTooLarge     a worker's file is larger than we accept (``max_bytes``)
    ├── SlackError                  a Slack Web API call failed (``error`` is Slack's code)
    │   └── SlackRateLimited        429 after our own retries: ``retry_after`` seconds
    ├── StorageError                the database failed
    │   ├── DatabaseUnavailable     cannot connect / bad ``DATABASE_URL``
    │   ├── SchemaMismatch          the database is ahead of (or behind) the code's migrations
    │   └── LeaseLost               another process took over a lease this one held
    └── UserFacingError             the user did something we refuse; ``text`` is safe to show
        └── InvalidInput            one input is bad; ``field`` names it (modal block id)

``bot.render.errors.user_message`` is the one place that turns any of these into words
for a Slack user. Listeners never swallow them.
"""

from __future__ import annotations


class SlackWorkersError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(SlackWorkersError):
    """A setting is missing or malformed; the message names the variable."""


class WorkersApiError(SlackWorkersError):
    """The Workers API failed. ``status`` is the HTTP status, or None without a response."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class WorkersUnauthorized(WorkersApiError):
    """The API refused our key (401/403)."""


class WorkersNotFound(WorkersApiError):
    """The worker, schedule or file does not exist (404)."""


class WorkersRejected(WorkersApiError):
    """The API refused the input (400/409/422); ``message`` is the server's reason."""


class WorkersRateLimited(WorkersApiError):
    """429 from the API; ``retry_after`` is in seconds when the server said."""

    def __init__(
        self, message: str, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class WorkersUnavailable(WorkersApiError):
    """5xx, connection failure, timeout or a stream that broke."""


class WorkersFileTooLarge(WorkersApiError):
    """A worker's file is larger than ``max_bytes``; the download stopped there."""

    def __init__(self, message: str, *, max_bytes: int, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.max_bytes = max_bytes


class SlackError(SlackWorkersError):
    """A Slack Web API call failed; ``error`` is Slack's error code (e.g. ``not_in_channel``)."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


class SlackRateLimited(SlackError):
    """Slack kept answering 429; ``retry_after`` is Slack's last ``Retry-After``."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(method, "ratelimited")
        self.retry_after = retry_after


class StorageError(SlackWorkersError):
    """The database failed."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or ``DATABASE_URL`` is malformed."""


class SchemaMismatch(StorageError):
    """The database schema does not match this code's migrations."""


class LeaseLost(StorageError):
    """A lease this process held was taken over (it expired); stop working on that row."""


class UserFacingError(SlackWorkersError):
    """A refusal whose ``text`` is safe to show to the Slack user as it is."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class InvalidInput(UserFacingError):
    """One input is bad; ``field`` names it (a modal block id or a command argument)."""

    def __init__(self, text: str, *, field: str | None = None) -> None:
        super().__init__(text)
        self.field = field
