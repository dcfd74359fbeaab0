"""Reading the Workers API's answers: JSON bodies, models, error reasons, the email.

Every function here turns a malformed answer into ``WorkersUnavailable`` (the server did
not say what the spec says) and reads error bodies tolerantly, keeping at most
``MAX_MESSAGE`` characters of the server's own words.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.errors import WorkersUnavailable

MAX_MESSAGE = 500  # characters of a server's error text kept in our messages

M = TypeVar("M", bound=BaseModel)


def read_json(response: httpx.Response, label: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise WorkersUnavailable(
            f"{label} answered {response.status_code} with a body that is not JSON",
            status=response.status_code,
        ) from exc


def parse_model(response: httpx.Response, model: type[M], label: str) -> M:
    payload = read_json(response, label)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise unexpected_shape(label, response, exc) from exc


def unexpected_shape(
    label: str, response: httpx.Response, exc: ValidationError
) -> WorkersUnavailable:
    where = ", ".join(".".join(map(str, err["loc"])) for err in exc.errors()[:5])
    return WorkersUnavailable(
        f"{label} answered {response.status_code} with an unexpected shape (at {where})",
        status=response.status_code,
    )


def server_message(body: str) -> str:
    """The server's reason from an error body, read tolerantly."""
    text = body.strip()
    if not text:
        return ""
    try:
        payload: Any = json.loads(text)
    except ValueError:
        return text[:MAX_MESSAGE]
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:MAX_MESSAGE]
        if isinstance(error, str):
            return error[:MAX_MESSAGE]
        if isinstance(payload.get("message"), str):
            return str(payload["message"])[:MAX_MESSAGE]
    if isinstance(payload, str):
        return payload[:MAX_MESSAGE]
    return text[:MAX_MESSAGE]


def email_from(response: httpx.Response) -> str:
    """The address from ``GET .../email``: the SDK reads it as a string, so accept plain
    text, a JSON string, or a JSON object holding it."""
    text = response.content.decode("utf-8", errors="replace").strip()
    try:
        payload: Any = json.loads(text)
    except ValueError:
        return text
    if isinstance(payload, str):
        return payload.strip()
    if isinstance(payload, dict):
        for key in ("email", "address", "emailAddress", "email_address"):
            value = payload.get(key)
            if isinstance(value, str):
                return value.strip()
    return ""
