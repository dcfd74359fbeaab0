"""Follow one worker until the current turn has ended, feeding a ``TurnText``.

The stream is the fast path; ``retrieve`` is the truth. Whenever the stream ends or
breaks, the worker is retrieved: a finished turn ends the follow with that snapshot, so
a lost event never loses output. Otherwise we reconnect with backoff; after a few
failures in a row, we poll ``retrieve`` (slower, but it cannot stall) and keep trying the
stream now and then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.clock import Clock
from bot.errors import WorkersApiError, WorkersNotFound, WorkersRateLimited, WorkersUnauthorized
from bot.relay.turn_text import TurnText
from bot.workers.events import Delta, Snapshot, StreamEnd
from bot.workers.models import Worker
from bot.workers.port import WorkersPort
from bot.workers.retry import backoff_delay

log = logging.getLogger(__name__)

POLL_AFTER_FAILURES = 4  # consecutive stream failures before polling takes over
POLL_SECONDS = 3.0
STREAM_RETRY_EVERY = 5  # while polling, try the stream again every N polls
GIVE_UP_SECONDS = 30 * 60.0  # the Workers API unreachable this long fails the turn


async def follow_turn(
    port: WorkersPort,
    worker_id: str,
    text: TurnText,
    clock: Clock,
    *,
    on_change: Callable[[], None],
) -> Worker:
    """Feed ``text`` until the turn is final; return the final worker snapshot.

    Raises the ``WorkersApiError`` that made it give up: unauthorised, not found, or the
    API unreachable for ``GIVE_UP_SECONDS``.
    """
    failures = 0
    polls = 0
    unreachable_since: float | None = None
    while True:
        progressed = False
        if failures < POLL_AFTER_FAILURES or polls % STREAM_RETRY_EVERY == 0:
            progressed = await _read_stream(port, worker_id, text, on_change)
            if text.final and text.worker is not None:
                return text.worker
        try:
            worker = await port.retrieve(worker_id)
        except (WorkersUnauthorized, WorkersNotFound):
            raise
        except WorkersApiError as exc:
            now = clock.monotonic()
            unreachable_since = unreachable_since if unreachable_since is not None else now
            if now - unreachable_since > GIVE_UP_SECONDS:
                raise
            failures += 1
            retry_after = exc.retry_after if isinstance(exc, WorkersRateLimited) else None
            await clock.sleep(backoff_delay(failures, 0.5, 20.0, retry_after))
            continue
        unreachable_since = None
        text.on_snapshot(worker)
        on_change()
        if text.final:
            return worker
        failures = 0 if progressed else failures + 1
        if failures >= POLL_AFTER_FAILURES:
            polls += 1
            await clock.sleep(POLL_SECONDS)
        elif failures:
            await clock.sleep(backoff_delay(failures, 0.5, 10.0))


async def _read_stream(
    port: WorkersPort, worker_id: str, text: TurnText, on_change: Callable[[], None]
) -> bool:
    """One stream connection; True when it brought anything new."""
    progressed = False
    text.on_connect()
    events = port.stream(worker_id)
    try:
        async for event in events:
            if isinstance(event, Delta):
                text.on_delta(event.text)
                progressed = True
            elif isinstance(event, Snapshot):
                text.on_snapshot(event.worker)
                if text.final:
                    on_change()
                    return True
            elif isinstance(event, StreamEnd):
                if event.reason == "dropped":
                    log.info("worker stream dropped", extra={"worker": worker_id})
                break
            on_change()
    except (WorkersUnauthorized, WorkersNotFound):
        raise
    except WorkersApiError:
        log.info("worker stream failed to open", extra={"worker": worker_id})
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:  # release the connection at once when we stop early
            await close()
    return progressed
