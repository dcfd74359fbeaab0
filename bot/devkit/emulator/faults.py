"""Fault knobs: make the emulator misbehave so tests can show the bot loses nothing.

- ``latency``: seconds added before every API answer.
- ``drop_stream_after`` / ``drop_streams``: the next ``drop_streams`` (default 1) event
  streams are cut abruptly -- the socket closes mid-body, no final snapshot -- after
  ``drop_stream_after`` events (``event:`` messages; keep-alive comments do not count).
  When the counter runs out, ``drop_stream_after`` goes back to None.
- ``fail_next(count, status=503, retry_after=None, paths=None)``: the next ``count``
  requests whose path matches one of the glob ``paths`` (``fnmatch``, e.g.
  ``"*/stream"``; None = any) answer ``status`` with an error body. 429 always carries
  ``Retry-After`` (1 s unless told); other statuses carry it when ``retry_after`` is set.

The control endpoints (``/_emulator/...``) are never slowed or failed. Over HTTP:
``POST /_emulator/faults`` with a JSON object of any of ``latency``,
``drop_stream_after``, ``drop_streams``, ``fail_next`` (an object with the arguments
above) and ``reset`` (true: clear everything first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


@dataclass
class FailureRule:
    remaining: int
    status: int
    retry_after: float | None
    paths: tuple[str, ...] | None

    def matches(self, path: str) -> bool:
        return self.paths is None or any(fnmatchcase(path, pattern) for pattern in self.paths)


@dataclass
class EmulatorFaults:
    latency: float = 0.0
    drop_stream_after: int | None = None
    drop_streams: int = 1
    rules: list[FailureRule] = field(default_factory=list)

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        retry_after: float | None = None,
        paths: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        if count < 1 or not 400 <= status <= 599:
            raise ValueError("fail_next needs count >= 1 and a 4xx/5xx status")
        if status == 429 and retry_after is None:
            retry_after = 1.0
        self.rules.append(
            FailureRule(count, status, retry_after, None if paths is None else tuple(paths))
        )

    def drop_next_streams(self, after: int, count: int = 1) -> None:
        self.drop_stream_after = after
        self.drop_streams = count

    def take_failure(self, path: str) -> FailureRule | None:
        """The rule that fails this request, if any; consumes one of its ``count``."""
        for rule in self.rules:
            if rule.remaining > 0 and rule.matches(path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return rule
        return None

    def take_stream_drop(self) -> int | None:
        """For a new event stream: after how many events to cut it (None: do not)."""
        after = self.drop_stream_after
        if after is None:
            return None
        self.drop_streams -= 1
        if self.drop_streams <= 0:
            self.drop_stream_after = None
            self.drop_streams = 1
        return after

    def reset(self) -> None:
        self.latency = 0.0
        self.drop_stream_after = None
        self.drop_streams = 1
        self.rules.clear()

    def describe(self) -> dict[str, Any]:
        return {
            "latency": self.latency,
            "drop_stream_after": self.drop_stream_after,
            "drop_streams": self.drop_streams,
            "fail_next": [
                {
                    "count": r.remaining,
                    "status": r.status,
                    "retry_after": r.retry_after,
                    "paths": None if r.paths is None else list(r.paths),
                }
                for r in self.rules
            ],
        }


class FailNextBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=1)
    status: int = Field(default=503, ge=400, le=599)
    retry_after: float | None = Field(default=None, ge=0)
    paths: list[str] | None = None


class FaultsBody(BaseModel):
    """The JSON accepted by ``POST /_emulator/faults``."""

    model_config = ConfigDict(extra="forbid")

    reset: bool = False
    latency: float | None = Field(default=None, ge=0)
    drop_stream_after: int | None = Field(default=None, ge=0)
    drop_streams: int = Field(default=1, ge=1)
    fail_next: FailNextBody | None = None

    def apply(self, faults: EmulatorFaults) -> None:
        if self.reset:
            faults.reset()
        if self.latency is not None:
            faults.latency = self.latency
        if self.drop_stream_after is not None:
            faults.drop_next_streams(self.drop_stream_after, self.drop_streams)
        if self.fail_next is not None:
            rule = self.fail_next
            faults.fail_next(rule.count, rule.status, rule.retry_after, rule.paths)
