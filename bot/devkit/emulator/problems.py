"""HTTP errors of the emulator, rendered like the real service's error bodies.

Body: ``{"error": {"message": "...", "type": "<status-appropriate type>"}}``.
"""

from __future__ import annotations

from typing import Any

from bot.errors import SlackWorkersError

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    if status in _TYPES:
        return _TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


class ApiProblem(SlackWorkersError):
    """An answer other than 2xx; raised anywhere below the routes, rendered by middleware."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": error_type(self.status)}}

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        # Retry-After takes whole seconds; never round a short wait down to "now".
        seconds = max(int(self.retry_after), 0)
        if seconds < self.retry_after:
            seconds += 1
        return {"Retry-After": str(seconds)}


def bad_request(message: str) -> ApiProblem:
    return ApiProblem(400, message)


def not_found(message: str) -> ApiProblem:
    return ApiProblem(404, message)


def conflict(message: str) -> ApiProblem:
    return ApiProblem(409, message)
