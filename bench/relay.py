"""Relay benchmark (issue #4): the real bot against the naive relay, same load, same limits.

    python3 bench/relay.py [--turns 50] [--deltas 200] [--seconds 10] [--mode native|edit]
                           [--json out.json]

Each *side* runs in a fresh child process (``--side bot`` / ``--side naive``), one after
the other, so the peak RSS of each side is its own and neither side inherits the
other's sockets, tasks or garbage. Inside a child everything runs in-process on one
event loop on 127.0.0.1: a fresh fake Slack enforcing Slack's published limits (429 +
Retry-After), a fresh Workers API emulator, and the relay under test:

- ``bot``: the real bot (``open_deps`` + ``serving``, SQLite in a temp dir), driven by
  signed slash commands through ``SlackDriver``. In-process rather than a subprocess
  because the figures need the fake Slack's and the emulator's state at the instant of
  each Web API call (one shared monotonic clock, no polling error); the cost is that the
  bot shares its core with the fakes, so its latencies are, if anything, pessimistic.
- ``naive``: a minimal bot in this file: it acks the command, posts the parent and one
  reply, then one ``chat.update`` per delta with the text so far (slack_sdk
  ``AsyncWebClient``), sleeping out ``Retry-After`` on every 429. It cannot finish at
  published limits, so it is cut off after ``--naive-timeout`` and reports how far it got.

Times: "first text" is the first moment any reply in the thread shows the beginning of
the worker's output, measured from the emulator's first delta of that turn; "final
text" is the first moment the thread's replies show the whole output, measured from
the emulator's completion of the turn. Both are taken inside the fake Slack's request
handling (a state-change observer), so they are exact to the call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.devkit.emulator.server import Emulator, running_emulator
from bot.devkit.emulator.state import Turn as EmulatorTurn
from bot.devkit.slack import FakeSlack, SlackDriver, running_fake_slack
from bot.devkit.slack.state import BOT_USER_ID, Channel, Message

USERS = ("U0ALICE", "U0BOB", "U0CAROL")
PROBE_CHARS = 12  # "first text": a reply shows this much of the output's beginning
NAIVE_STOP_GRACE = 5.0


# --- load --------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    turns: int
    deltas: int
    seconds: float
    chars: int
    channels: int
    mode: str
    rate_scale: float
    timeout: float
    naive_timeout: float

    @property
    def pace(self) -> float:
        return self.seconds / self.deltas

    def marker(self, index: int) -> str:
        return f"bench-{index:03d}"

    def task(self, index: int) -> str:
        knobs = f"deltas={self.deltas} pace={self.pace:.4f} chars={self.chars}"
        return f"{self.marker(index)} summarise the relay under load {knobs}"

    def channel(self, index: int) -> str:
        return f"C0BENCH{index % self.channels:03d}"


def add_channels(fake: FakeSlack, load: Load) -> None:
    """Public channels with the bot and the three humans in them."""
    for index in range(load.channels):
        channel_id = f"C0BENCH{index:03d}"
        members = {*USERS, BOT_USER_ID}
        fake.state.add_channel(Channel(channel_id, f"bench-{index}", "channel", members))


# --- what Slack shows, observed at every Web API call --------------------------------


@dataclass
class Thread:
    index: int
    channel: str
    parent_ts: str | None = None
    first_text_at: float | None = None
    final_text_at: float | None = None


def replies_text(fake: FakeSlack, channel: str, thread_ts: str) -> str:
    return "\n".join(
        fake.visible_text(channel, message.ts)
        for message in fake.thread(channel, thread_ts)
        if message.ts != thread_ts
    )


class Observer:
    """Subscribed to the fake Slack's state: after each successful call it looks at the
    message that call touched and notes when its thread first showed output text and
    when it first showed the whole output."""

    def __init__(self, fake: FakeSlack, emulator: Emulator, load: Load) -> None:
        self.fake = fake
        self.emulator = emulator
        self.load = load
        self.threads = [Thread(i, load.channel(i)) for i in range(load.turns)]
        self._by_parent: dict[tuple[str, str], Thread] = {}
        self._turns: dict[int, EmulatorTurn] = {}
        self._seen = 0
        self.errors: list[str] = []
        self._unsubscribe = fake.state.subscribe(self._changed)

    def close(self) -> None:
        self._unsubscribe()

    def turn(self, index: int) -> EmulatorTurn | None:
        found = self._turns.get(index)
        if found is None:
            marker = self.load.marker(index)
            for worker in self.emulator.workers.values():
                if worker.turns and marker in worker.turns[0].input:
                    found = self._turns[index] = worker.turns[0]
                    break
        return found

    def _changed(self, _version: int) -> None:
        calls = self.fake.calls
        while self._seen < len(calls):
            call = calls[self._seen]
            self._seen += 1
            if not call.response.get("ok"):
                continue
            try:
                self._touched(call.params, call.response)
            except Exception as exc:  # noqa: BLE001 -- never break the fake's request handling
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _touched(self, params: dict[str, Any], response: dict[str, Any]) -> None:
        channel = str(response.get("channel") or params.get("channel") or "")
        ts = str(response.get("ts") or params.get("ts") or "")
        message = self.fake.message(channel, ts) if channel and ts else None
        if message is None:
            return
        if message.thread_ts in (None, message.ts):
            self._maybe_parent(message)
            return
        thread = self._by_parent.get((channel, str(message.thread_ts)))
        if thread is not None:
            self._check(thread, message)

    def _maybe_parent(self, message: Message) -> None:
        if message.user != BOT_USER_ID:
            return
        for thread in self.threads:
            mine = thread.channel == message.channel and self.load.marker(thread.index)
            if thread.parent_ts is None and mine and mine in message.text:
                thread.parent_ts = message.ts
                self._by_parent[(message.channel, message.ts)] = thread
                return

    def _check(self, thread: Thread, message: Message) -> None:
        turn = self.turn(thread.index)
        if turn is None or not turn.chunks or thread.final_text_at is not None:
            return
        now = time.monotonic()
        if thread.first_text_at is None:
            probe = turn.chunks[0][:PROBE_CHARS] if turn.chunks[0].strip() else ""
            if probe and probe in self.fake.visible_text(message.channel, message.ts):
                thread.first_text_at = now
        if turn.final is None or thread.parent_ts is None:
            return
        if turn.text_so_far in replies_text(self.fake, thread.channel, thread.parent_ts):
            thread.final_text_at = now
            if thread.first_text_at is None:
                thread.first_text_at = now

    def all_final(self) -> bool:
        return all(thread.final_text_at is not None for thread in self.threads)


# --- the real bot --------------------------------------------------------------------


@asynccontextmanager
async def real_bot(
    fake: FakeSlack, emulator: Emulator, load: Load
) -> AsyncIterator[tuple[str, Callable[[], bool]]]:
    """Yields the bot's URL and "no turn is running any more"."""
    from bot.deps import open_deps
    from bot.server import serving
    from bot.settings import Settings

    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        settings = Settings(
            slack_bot_token=fake.bot_token,
            slack_signing_secret=fake.signing_secret,
            slack_api_url=f"{fake.url}/api/",
            workers_api_url=emulator.url,
            workers_api_key="bench-key",
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
        )
        async with (
            open_deps(settings, native_streaming=load.mode == "native") as deps,
            serving(settings, deps, host="127.0.0.1", port=0) as (_, port),
        ):
            yield f"http://127.0.0.1:{port}", lambda: deps.supervisor.running == 0


# --- the naive relay -----------------------------------------------------------------


@dataclass
class NaiveProgress:
    updates_done: int = 0
    failures: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def _retry_after(error: SlackApiError) -> float:
    headers = error.response.headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0


async def _slack(method: Callable[..., Any], **params: Any) -> dict[str, Any]:
    """One Web API call; on 429, sleep ``Retry-After`` and try again (a careful naive bot)."""
    while True:
        try:
            response = await method(**params)
        except SlackApiError as error:
            if error.response.status_code != 429:
                raise
            await asyncio.sleep(_retry_after(error))
            continue
        return dict(response.data) if isinstance(response.data, dict) else {}


async def naive_turn(
    client: AsyncWebClient, emulator_url: str, form: dict[str, str], progress: NaiveProgress
) -> None:
    from contextlib import aclosing

    from bot.workers.client import WorkersClient
    from bot.workers.events import Delta

    channel, user, task = form["channel_id"], form["user_id"], form.get("text", "")
    parent = await _slack(client.chat_postMessage, channel=channel, text=f"<@{user}>: {task}")
    async with WorkersClient(emulator_url, "bench-key") as workers:
        worker = await workers.create(task)
        reply = await _slack(
            client.chat_postMessage, channel=channel, thread_ts=parent["ts"], text="Working..."
        )
        text = ""
        async with aclosing(workers.stream(worker.id)) as events:
            async for event in events:
                if isinstance(event, Delta):
                    text += event.text
                    await _slack(client.chat_update, channel=channel, ts=reply["ts"], text=text)
                    progress.updates_done += 1


@asynccontextmanager
async def naive_bot(
    fake: FakeSlack, emulator: Emulator, progress: NaiveProgress
) -> AsyncIterator[tuple[str, Callable[[], bool]]]:
    client = AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")
    verifier = SignatureVerifier(fake.signing_secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        task = asyncio.create_task(naive_turn(client, emulator.url, form, progress))
        progress.tasks.add(task)
        task.add_done_callback(_naive_done(progress))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", lambda: not progress.tasks
    finally:
        for task in list(progress.tasks):
            task.cancel()
        await asyncio.gather(*progress.tasks, return_exceptions=True)
        await runner.cleanup()


def _naive_done(progress: NaiveProgress) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        progress.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            progress.failures.append(repr(task.exception()))

    return done


# --- one side ------------------------------------------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[rank]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


async def run_side(side: str, load: Load) -> dict[str, Any]:
    rss_start = _rss_mib()
    progress = NaiveProgress()
    async with (
        running_fake_slack(rate_limits=True, rate_scale=load.rate_scale) as fake,
        running_emulator(pace=load.pace) as emulator,
    ):
        add_channels(fake, load)
        observer = Observer(fake, emulator, load)
        target = (
            real_bot(fake, emulator, load) if side == "bot" else naive_bot(fake, emulator, progress)
        )
        async with target as (url, idle):
            driver = SlackDriver(fake, url, fake.signing_secret, ack_within=30.0)
            started = time.monotonic()
            responses = await asyncio.gather(
                *(
                    driver.slash_command(USERS[i % len(USERS)], load.channel(i), load.task(i))
                    for i in range(load.turns)
                )
            )
            limit = load.timeout if side == "bot" else load.naive_timeout
            # Done when every thread shows its whole output and the relay is idle (its
            # trailing calls -- footers, reactions -- count too), or at the cap.
            with contextlib.suppress(TimeoutError):
                await fake.wait_for(lambda: observer.all_final() and idle(), timeout=limit)
            timed_out = not (observer.all_final() and idle())
            finished = time.monotonic()
            if side == "naive":  # let cancelled tasks stop before counting
                for task in list(progress.tasks):
                    task.cancel()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(NAIVE_STOP_GRACE):
                        await asyncio.gather(*progress.tasks, return_exceptions=True)
        observer.close()
        return _figures(side, load, fake, observer, responses, started, finished, timed_out) | {
            "peak_rss_mib": round(_rss_mib(), 1),
            "rss_at_start_mib": round(rss_start, 1),
            "naive_updates_done": progress.updates_done if side == "naive" else None,
            "naive_failures": progress.failures[:5],
        }


def _figures(
    side: str,
    load: Load,
    fake: FakeSlack,
    observer: Observer,
    responses: list[Any],
    started: float,
    finished: float,
    timed_out: bool,
) -> dict[str, Any]:
    acks = [r.elapsed * 1000 for r in responses]
    by_method: Counter[str] = Counter()
    limited: Counter[str] = Counter()
    for call in fake.calls:
        by_method[call.method] += 1
        if call.status == 429:
            limited[call.method] += 1
    first: list[float] = []
    final: list[float] = []
    complete = duplicated = 0
    for thread in observer.threads:
        turn = observer.turn(thread.index)
        if turn is None:
            continue
        if thread.first_text_at is not None and turn.first_delta_at is not None:
            first.append(thread.first_text_at - turn.first_delta_at)
        if thread.final_text_at is not None and turn.finished_at is not None:
            final.append(thread.final_text_at - turn.finished_at)
        if thread.parent_ts is None:
            continue
        shown = replies_text(fake, thread.channel, thread.parent_ts)
        if turn.final is not None and turn.text_so_far in shown:
            complete += 1
        marker = observer.load.marker(thread.index)
        parents = sum(
            1
            for message in fake.state.top_level(thread.channel)
            if message.user == BOT_USER_ID and marker in message.text
        )
        twice = turn.final is not None and shown.count(turn.text_so_far) > 1
        duplicated += int(parents > 1 or twice)
    return {
        "side": side,
        "ack_ms_p50": _percentile(acks, 50),
        "ack_ms_p99": _percentile(acks, 99),
        "ack_non_200": sum(1 for r in responses if r.status != 200),
        "calls_total": len(fake.calls),
        "calls_by_method": dict(sorted(by_method.items())),
        "rate_limited": fake.rate_limited_count,
        "rate_limited_by_method": dict(sorted(limited.items())),
        "first_text_s_median": _median(first),
        "first_text_s_p99": _percentile(first, 99),
        "final_text_s_median": _median(final),
        "final_text_s_p99": _percentile(final, 99),
        "threads_with_first_text": len(first),
        "threads_complete": complete,
        "threads_duplicated": duplicated,
        "wall_s": finished - started,
        "timed_out": timed_out,
        "violations": len(fake.violations),
        "observer_errors": observer.errors[:5],
    }


# --- the parent: both sides, the table, the JSON -------------------------------------


def _child(side: str, args: argparse.Namespace, limit: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, __file__, "--side", side, "--result", out.name]
        for name in ("turns", "deltas", "seconds", "chars", "channels", "mode"):
            command += [f"--{name}", str(getattr(args, name))]
        command += ["--rate-scale", str(args.rate_scale), "--timeout", str(args.timeout)]
        command += ["--naive-timeout", str(args.naive_timeout)]
        print(f"running the {side} side ...", file=sys.stderr, flush=True)
        subprocess.run(command, check=True, timeout=limit + 120)
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ratio(naive: Any, bot: Any) -> str:
    if not isinstance(naive, int | float) or not isinstance(bot, int | float) or bot == 0:
        return "-"
    return f"{naive / bot:.1f}x"


def render(load: Load, bot: dict[str, Any], naive: dict[str, Any]) -> str:
    needed = load.turns * (2 + load.deltas)  # parent + reply + one update per delta
    done = naive["naive_updates_done"] or 0
    rows: list[tuple[str, Any, Any, str]] = [
        ("ack latency p50 (ms)", bot["ack_ms_p50"], naive["ack_ms_p50"], ""),
        ("ack latency p99 (ms)", bot["ack_ms_p99"], naive["ack_ms_p99"], ""),
        ("Slack calls made (incl. 429s)", bot["calls_total"], naive["calls_total"], ""),
    ]
    methods = sorted(set(bot["calls_by_method"]) | set(naive["calls_by_method"]))
    for method in methods:
        b, n = bot["calls_by_method"].get(method, 0), naive["calls_by_method"].get(method, 0)
        rows.append((f"  {method}", b, n, ""))
    rows += [
        ("429s received", bot["rate_limited"], naive["rate_limited"], ""),
        ("first delta -> first text, median (s)", *_pair(bot, naive, "first_text_s_median"), ""),
        ("first delta -> first text, p99 (s)", *_pair(bot, naive, "first_text_s_p99"), ""),
        ("completion -> final text, median (s)", *_pair(bot, naive, "final_text_s_median"), ""),
        ("completion -> final text, p99 (s)", *_pair(bot, naive, "final_text_s_p99"), ""),
        (
            "threads with first text",
            bot["threads_with_first_text"],
            naive["threads_with_first_text"],
            "",
        ),
        ("threads complete", bot["threads_complete"], naive["threads_complete"], ""),
        ("threads posted twice", bot["threads_duplicated"], naive["threads_duplicated"], ""),
        ("wall time (s)", bot["wall_s"], naive["wall_s"], ""),
        ("peak RSS (MiB)", bot["peak_rss_mib"], naive["peak_rss_mib"], ""),
    ]
    lines = [
        f"relay benchmark: {load.turns} turns x {load.deltas} deltas over {load.seconds:g} s "
        f"({load.chars} chars each), mode {load.mode}, {load.channels} channels, "
        f"Slack limits x{load.rate_scale:g} (1 = published)",
        f"{'':40} {'bot':>10} {'naive':>10} {'naive/bot':>10}",
    ]
    for label, b, n, _ in rows:
        lines.append(f"{label:40} {_fmt(b):>10} {_fmt(n):>10} {_ratio(n, b):>10}")
    lines += [
        f"naive: cut off after {naive['wall_s']:.0f} s with {done}/{load.turns * load.deltas} "
        f"updates done ({100 * done / (load.turns * load.deltas):.0f}%); finishing needs "
        f"{needed} calls = {_ratio(needed, bot['calls_total'])} the bot's {bot['calls_total']}"
        if naive["timed_out"]
        else f"naive: finished in {naive['wall_s']:.0f} s",
        f"bot: {'TIMED OUT' if bot['timed_out'] else 'all turns finished'}; "
        f"{bot['violations']} limit violations; {bot['ack_non_200']} non-200 acks",
    ]
    return "\n".join(lines)


def _pair(bot: dict[str, Any], naive: dict[str, Any], key: str) -> tuple[Any, Any]:
    return bot[key], naive[key]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=50, help="concurrent turns")
    parser.add_argument("--deltas", type=int, default=200, help="deltas per turn")
    parser.add_argument("--seconds", type=float, default=10.0, help="each turn's duration")
    parser.add_argument("--chars", type=int, default=4000, help="output characters per turn")
    parser.add_argument("--channels", type=int, default=10, help="turns spread over N channels")
    parser.add_argument("--mode", choices=("native", "edit"), default="native")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--rate-scale", type=float, default=1.0, help="Slack's limits x this (1 = published)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="cap on the bot side (s)")
    parser.add_argument(
        "--naive-timeout", type=float, default=120.0, help="cap on the naive side (s)"
    )
    parser.add_argument("--side", choices=("bot", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = Load(
        turns=args.turns,
        deltas=args.deltas,
        seconds=args.seconds,
        chars=args.chars,
        channels=max(1, min(args.channels, args.turns)),
        mode=args.mode,
        rate_scale=args.rate_scale,
        timeout=args.timeout,
        naive_timeout=args.naive_timeout,
    )
    if args.side:
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
        result = asyncio.run(run_side(args.side, load))
        assert args.result is not None
        args.result.write_text(json.dumps(result))
        return 0
    bot = _child("bot", args, args.timeout)
    naive = _child("naive", args, args.naive_timeout)
    print(render(load, bot, naive))
    if args.json:
        figures = {"load": load.__dict__, "machine_cpus": _cpus(), "bot": bot, "naive": naive}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    met = bot["rate_limited"] == 0 and bot["threads_complete"] == load.turns
    return 0 if met else 1


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
