"""What the relay needs from the rest of the process, gathered in one object."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.relay.workspaces import SlackWorkspaces
from bot.workers.port import WorkersPort
from storage.engine import Database

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024


def new_owner_id() -> str:
    """A lease owner id unique to this process (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class RelayContext:
    db: Database
    workers: WorkersPort
    slack: SlackWorkspaces
    clock: Clock
    owner: str = field(default_factory=new_owner_id)
    native_streaming: bool = True
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    lease_ttl: float = 30.0  # seconds; renewed every third of it while a turn runs
