"""Backoff arithmetic shared by the Workers API client and the relay's reconnect loop.

Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the delay is drawn
uniformly from ``[0, min(cap, base * 2**attempt)]``, which spreads many clients that
failed together. A server's ``Retry-After`` wins over the drawn delay: it knows when it
will have room again.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

# Keeps ``2**attempt`` finite for callers that count attempts for a very long time.
_MAX_EXPONENT = 62


def backoff_delay(
    attempt: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    *,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    ``retry_after`` (seconds, from the server) is returned as it is, not capped: waiting
    less than the server asked only earns another 429. ``uniform`` is injectable so that
    tests can pin the jitter.
    """
    if retry_after is not None:
        return max(0.0, retry_after)
    ceiling = min(cap, base * 2 ** min(max(attempt, 0), _MAX_EXPONENT))
    return max(0.0, uniform(0.0, max(0.0, ceiling)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None if absent
    or unreadable (RFC 9110 section 10.2.3)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() accepts "nan" and "inf"; neither is a delay anybody can wait.
        if not math.isfinite(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
