"""Typed values carried by buttons (``value``) and modals (``private_metadata``).

Slack hands these strings back verbatim in interaction payloads, so anything may arrive:
``decode`` validates strictly and turns junk into ``InvalidInput``. Encoding is compact
JSON; every field is length-capped so an encoded value always fits Slack's limit
(checked again in ``encode``, which cannot fail for valid models).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from bot.errors import InvalidInput, SlackWorkersError
from bot.limits import BUTTON_VALUE_CHARS, PRIVATE_METADATA_CHARS

# Slack ids (T…, C…, U…, message ts "1700000000.000100") and our own ids are short and
# plain; the pattern keeps quotes, spaces and markup out of anything we echo back.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")]


class Payload(BaseModel):
    """Base of every encoded value: frozen, strict, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max_chars: ClassVar[int] = BUTTON_VALUE_CHARS
    """Slack's limit for the place this value goes (button value or private_metadata)."""


class WorkerRef(Payload):
    """The worker behind a turn's buttons ("Schedule...", "Email address", "Stop")."""

    link_id: Id
    worker_id: Id


class ScheduleRef(Payload):
    """The schedule a "Cancel" button cancels (the Workers API's schedule id)."""

    schedule_id: Id


class ScheduleModalMeta(Payload):
    """Where the schedule modal came from; travels in the view's ``private_metadata``.

    ``worker_id``/``link_id`` are set when the modal was opened from a finished turn
    (schedule that worker); both None when it was opened by ``/worker schedule``.
    """

    max_chars: ClassVar[int] = PRIVATE_METADATA_CHARS

    team_id: Id
    channel_id: Id
    user_id: Id
    worker_id: Id | None = None
    link_id: Id | None = None
    thread_ts: Id | None = None


P = TypeVar("P", bound=Payload)


class PayloadTooLarge(SlackWorkersError):
    """An encoded payload would exceed Slack's limit for its place (a bug, not user input)."""


def encode(model: Payload) -> str:
    """Compact JSON for a button value or ``private_metadata``; None fields are dropped."""
    raw = model.model_dump_json(exclude_none=True)
    if len(raw) > model.max_chars:  # unreachable with the field caps above; kept as a guard
        raise PayloadTooLarge(f"{type(model).__name__} is {len(raw)} characters")
    return raw


def decode(cls: type[P], raw: str | None) -> P:
    """Parse what Slack sent back into ``cls``; junk raises ``InvalidInput``."""
    if not raw or len(raw) > cls.max_chars:
        raise InvalidInput("That button or form is out of date. Please try again.")
    try:
        return cls.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidInput("That button or form is out of date. Please try again.") from exc
