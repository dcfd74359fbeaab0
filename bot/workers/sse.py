"""An incremental server-sent events parser (WHATWG HTML, "Parsing an event stream").

Bytes go in as the network hands them over, split anywhere (inside a CRLF pair, inside a
multi-byte UTF-8 character); complete ``SSEMessage`` objects come out. The parser does no
I/O, so it is tested on its own and reused by anything that reads a stream.

Rules kept from the standard: UTF-8 with one optional leading BOM; lines end with CRLF,
LF or CR; a line starting with ``:`` is a comment (counted: servers send keep-alives that
way); ``field: value`` loses one space after the colon; ``data`` lines are joined with
``"\\n"``; a blank line dispatches the event unless it has no data; ``id`` persists
across events and is ignored when it holds NUL; ``retry`` (kept as ``retry_ms``) only
takes ASCII digits;
unknown fields are ignored; an event cut off by the end of the stream is dropped.

``httpx_sse`` was not used: it decodes text before splitting lines, so it needs a full
character per chunk from httpx, keeps no comment count, and dispatches events that
carry no data, which the standard says to drop.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched event. ``event`` defaults to ``"message"`` as in the standard;
    ``id`` is the last event id seen so far (it carries over, as the standard says)."""

    data: str
    event: str = "message"
    id: str = ""


class SSEParser:
    """Feed bytes with ``feed``; call ``close`` at end of stream (it drops a cut-off event)."""

    def __init__(self) -> None:
        # errors="replace": a broken byte must not stop the stream; the JSON that holds it
        # will fail to parse and be skipped by the event decoder instead.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        self._pending = ""  # text of an unfinished line
        self._skip_lf = False  # the previous chunk ended with CR; a leading LF belongs to it
        self._event = ""
        self._data: list[str] = []
        self._has_data = False
        self._last_id = ""
        self.retry_ms: int | None = None  # the server's reconnection time, if it sent one
        self.comments = 0

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        """Parse ``chunk``; return the events it completed, in order."""
        return self._consume(self._decoder.decode(chunk, final=False))

    def close(self) -> list[SSEMessage]:
        """End of stream: flush the decoder. A last line without its blank line is dropped."""
        messages = self._consume(self._decoder.decode(b"", final=True))
        self._pending = ""
        self._reset_event()
        return messages

    def _consume(self, text: str) -> list[SSEMessage]:
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        messages: list[SSEMessage] = []
        start = 0
        length = len(text)
        while start < length:
            cr = text.find("\r", start)
            lf = text.find("\n", start)
            if cr < 0 and lf < 0:
                break
            end = lf if cr < 0 or (0 <= lf < cr) else cr
            line = self._pending + text[start:end]
            self._pending = ""
            start = end + 1
            if text[end] == "\r":
                if start < length:
                    if text[start] == "\n":
                        start += 1
                else:
                    self._skip_lf = True
            message = self._line(line)
            if message is not None:
                messages.append(message)
        self._pending += text[start:]
        return messages

    def _line(self, line: str) -> SSEMessage | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> SSEMessage | None:
        if not self._has_data:
            self._reset_event()
            return None
        message = SSEMessage(
            data="\n".join(self._data),
            event=self._event or "message",
            id=self._last_id,
        )
        self._reset_event()
        return message

    def _reset_event(self) -> None:
        self._event = ""
        self._data = []
        self._has_data = False
