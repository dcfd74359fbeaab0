"""The simulated agent: a deterministic turn output computed from the task text.

Every turn answers in Markdown with a ``#`` heading, a bulleted list, a fenced code
block, a table and a short "Sources" line, and reports two URL sources. The same task
on the same turn number always gives the same text, so tests can compare exactly. The
answer quotes the task, so a continued turn is told apart from the first one.

Knobs, written anywhere in the task text:

- ``chars=N``   the output is exactly N characters when N is larger than the plain
                answer (padding paragraphs under a ``## Details`` heading); capped at 2,000,000.
- ``deltas=N``  the output is streamed in N deltas (default: one per ~60 characters,
                at least 3 and at most 40; never more than the output has characters).
- ``pace=S``    seconds between deltas (default: the emulator's ``pace``).
- ``file``      the turn publishes ``report.csv`` (``report-<turn>.csv`` after the first
                turn) with a few CSV rows; ``file=big`` publishes a 2 MiB
                ``big-report.csv``; ``file=<path>`` publishes that (nested) path.
- ``fail``      the turn streams about a third of its deltas, then ends with no output
                item and the worker's ``error`` set. This breaks the official SDK's
                strict model (``error`` must be null) on purpose: it is how the real
                service reports a failed run, and the bot must cope.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import random
import re
from dataclasses import dataclass

MAX_CHARS = 2_000_000
BIG_FILE_BYTES = 2 * 1024 * 1024

_CHARS = re.compile(r"(?<![\w=])chars=(\d+)")
_DELTAS = re.compile(r"(?<![\w=])deltas=(\d+)")
_PACE = re.compile(r"(?<![\w=])pace=(\d+(?:\.\d+)?)")
_FILE = re.compile(r"(?<![\w=./-])file(?:=([\w][\w./-]*))?(?![\w])")
_FAIL = re.compile(r"(?<![\w=])fail(?![\w])", re.IGNORECASE)
_KNOBS = re.compile(
    r"(?<![\w=])(?:chars|deltas|pace)=\S*|(?<![\w=./-])file(?:=\S*)?(?![\w])", re.IGNORECASE
)

_WORDS = (
    *("latency", "throughput", "budget", "worker", "stream", "delta", "snapshot", "schedule"),
    *("channel", "thread", "report", "source", "cache", "token", "retry", "backoff", "queue"),
    *("lease", "turn", "output", "markdown", "table", "summary", "metric", "signal"),
    *("baseline", "cohort", "trend", "region", "release", "incident", "review"),
)


@dataclass(frozen=True)
class Knobs:
    chars: int | None = None
    deltas: int | None = None
    pace: float | None = None
    file: str | None = None  # "" for the bare word ``file``
    fail: bool = False


@dataclass(frozen=True)
class SimFile:
    path: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class SimSource:
    title: str
    url: str


@dataclass(frozen=True)
class TurnPlan:
    """What one turn will do: the full answer, the deltas to stream, what it publishes."""

    text: str
    chunks: tuple[str, ...]  # what is streamed; joins to ``text`` unless ``fail``
    pace: float
    fail: bool
    files: tuple[SimFile, ...]
    sources: tuple[SimSource, ...]


def parse_knobs(task: str) -> Knobs:
    chars = _CHARS.search(task)
    deltas = _DELTAS.search(task)
    pace = _PACE.search(task)
    file = _FILE.search(task)
    return Knobs(
        chars=min(int(chars.group(1)), MAX_CHARS) if chars else None,
        deltas=max(int(deltas.group(1)), 1) if deltas else None,
        pace=float(pace.group(1)) if pace else None,
        file=(file.group(1) or "") if file else None,
        fail=_FAIL.search(task) is not None,
    )


def plan_turn(task: str, *, turn_number: int, default_pace: float) -> TurnPlan:
    knobs = parse_knobs(task)
    text = compose_answer(task, turn_number=turn_number, chars=knobs.chars)
    chunks = split_evenly(text, knobs.deltas or min(max(len(text) // 60, 3), 40))
    files: tuple[SimFile, ...] = ()
    if knobs.fail:
        chunks = chunks[: max(len(chunks) // 3, 1)]
    elif knobs.file is not None:
        files = (make_file(knobs.file, turn_number=turn_number, task=task),)
    return TurnPlan(
        text=text,
        chunks=chunks,
        pace=default_pace if knobs.pace is None else knobs.pace,
        fail=knobs.fail,
        files=files,
        sources=make_sources(task, turn_number=turn_number),
    )


def split_evenly(text: str, parts: int) -> tuple[str, ...]:
    parts = max(min(parts, len(text)), 1)
    bounds = [len(text) * i // parts for i in range(parts + 1)]
    return tuple(text[bounds[i] : bounds[i + 1]] for i in range(parts))


def _title(task: str) -> str:
    plain = " ".join(_KNOBS.sub(" ", task).split())
    if not plain:
        return "Untitled task"
    return plain if len(plain) <= 60 else plain[:59].rstrip() + "…"


def _slug(task: str) -> str:
    words = re.findall(r"[a-z0-9]+", _KNOBS.sub(" ", task).lower())
    return "-".join(words)[:40].strip("-") or "task"


def compose_answer(task: str, *, turn_number: int, chars: int | None) -> str:
    title = _title(task)
    digest = hashlib.sha256(f"{turn_number}:{task}".encode()).hexdigest()
    words = len(task.split())
    lead = "Answer" if turn_number == 1 else f"Follow-up (turn {turn_number})"
    head = (
        f"# {title}\n\n"
        f'{lead} to: "{title}".\n\n'
        "## Summary\n\n"
        f"- Task received: {title}\n"
        f"- Turn: {turn_number}\n"
        f"- Words in the task: {words}\n"
        f"- Checksum: `{digest[:12]}`\n\n"
        "```python\n"
        f'result = {{"turn": {turn_number}, "checksum": "{digest[:12]}"}}\n'
        "print(result)\n"
        "```\n\n"
        "| Metric | Value |\n"
        "| --- | --- |\n"
        f"| characters in task | {len(task)} |\n"
        f"| words in task | {words} |\n"
        f"| turn | {turn_number} |\n\n"
    )
    sources = make_sources(task, turn_number=turn_number)
    tail = "Sources: " + " and ".join(f"[{s.title}]({s.url})" for s in sources) + "."
    if chars is None or chars <= len(head) + len(tail):
        return head + tail
    return head + _padding(digest, chars - len(head) - len(tail)) + tail


def _padding(seed: str, size: int) -> str:
    """Exactly ``size`` characters of deterministic prose under a Details heading."""
    rng = random.Random(seed)  # deterministic filler, not security relevant
    parts = ["## Details\n\n"]
    length = len(parts[0])
    number = 0
    while length < size:
        number += 1
        sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 16)))
        paragraph = f"{number}. The {sentence.capitalize()}.\n\n"
        parts.append(paragraph)
        length += len(paragraph)
    text = "".join(parts)
    if size < 2:
        return "\n" * size
    return text if len(text) == size else text[: size - 2] + "\n\n"


def make_sources(task: str, *, turn_number: int) -> tuple[SimSource, ...]:
    title = _title(task)
    slug = _slug(task)
    return (
        SimSource(title=f"{title}: overview", url=f"https://example.com/research/{slug}"),
        SimSource(
            title=f"{title}: reference",
            url=f"https://docs.example.org/{slug}/turn-{turn_number}",
        ),
    )


def make_file(knob: str, *, turn_number: int, task: str) -> SimFile:
    suffix = "" if turn_number == 1 else f"-{turn_number}"
    if knob == "big":
        path = f"big-report{suffix}.csv"
        data = _csv_rows(task, BIG_FILE_BYTES)
    else:
        path = _safe_path(knob) if knob else f"report{suffix}.csv"
        data = _csv_rows(task, 200)
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return SimFile(path=path, media_type=media_type, data=data)


def _safe_path(raw: str) -> str:
    """A relative path without ``.``/``..`` segments (the SDK refuses those anyway)."""
    segments = [s for s in posixpath.normpath(raw).split("/") if s not in ("", ".", "..")]
    return "/".join(segments) or "report.csv"


def _csv_rows(task: str, size: int) -> bytes:
    """A CSV of at least ``size`` bytes (a header and a few rows for small sizes)."""
    header = "row,metric,value\n"
    rows = [header]
    length = len(header)
    index = 0
    target = max(size, 60)
    while length < target:
        index += 1
        row = f"{index},{_WORDS[index % len(_WORDS)]},{(index * 37 + len(task)) % 1000}\n"
        rows.append(row)
        length += len(row)
    return "".join(rows).encode()
