"""What a turn has said so far, assembled from stream events and snapshots (pure).

A worker's ``output`` holds one item per finished turn; the stream replays stored
messages and then the active turn's chunks (``workers-api.txt``; our emulator's docstring
spells out the event order). A turn's own text is therefore:

* while it runs: the deltas received on the current stream connection;
* when it has ended: the text of the output items whose ids were not there before the
  turn began (``known_ids``) -- replayed output of earlier turns is never this turn's.

After a reconnect the server may replay the turn's chunks from its start (the usual
case) or send only new ones; the first delta on the new connection tells which, and the
text only ever grows until the final snapshot, which is the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.workers.models import Worker


def turn_output(worker: Worker, known_ids: frozenset[str]) -> str:
    """The text of ``worker``'s output items that are not in ``known_ids``."""
    parts = [item.text for item in worker.output if item.id not in known_ids]
    return "\n\n".join(part for part in parts if part)


class _Replay(Enum):
    FRESH = "fresh"  # first connection: the deltas are the text
    UNDECIDED = "undecided"  # reconnected, no delta yet
    REPLAY = "replay"  # the server replays the turn from its start
    APPEND = "append"  # the server sends only what is new


@dataclass
class TurnText:
    known_ids: frozenset[str]
    text: str = ""
    final: bool = False
    worker: Worker | None = None
    _base: str = ""
    _conn: str = ""
    _mode: _Replay = field(default=_Replay.FRESH)

    def on_connect(self) -> None:
        """A new stream connection begins."""
        self._base = self.text
        self._conn = ""
        self._mode = _Replay.UNDECIDED if self.text else _Replay.FRESH

    def on_delta(self, delta: str) -> None:
        if self.final:
            return
        self._conn += delta
        if self._mode is _Replay.UNDECIDED:
            replays = self._base.startswith(self._conn) or self._conn.startswith(self._base)
            self._mode = _Replay.REPLAY if replays else _Replay.APPEND
        if self._mode is _Replay.APPEND:
            self.text = self._base + self._conn
        elif len(self._conn) > len(self.text):
            self.text = self._conn

    def on_snapshot(self, worker: Worker) -> None:
        """A Worker object from the stream or from ``retrieve``."""
        if self.final:
            return
        self.worker = worker
        produced = turn_output(worker, self.known_ids)
        if worker.status == "completed" and not worker.running:
            self.text = produced  # the truth, even where the stream said otherwise
            self.final = True
        elif len(produced) > len(self.text):
            self.text = produced
