"""Structured logging on the standard library.

Log records carry ids (``team``, ``channel``, ``user``, ``worker``, ``turn``) passed with
``extra=``; they never carry message text or tokens. JSON lines in production (no TTY),
readable key=value lines on a terminal.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

_CONTEXT_KEYS = ("team", "channel", "user", "worker", "turn", "schedule", "method", "event")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in _CONTEXT_KEYS:
            if key in record.__dict__:
                payload[key] = record.__dict__[key]
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{key}={record.__dict__[key]}" for key in _CONTEXT_KEYS if key in record.__dict__
        )
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        if ids:
            line = f"{line} [{ids}]"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def configure_logging(level: str, fmt: Literal["json", "console", "auto"]) -> None:
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
