"""Small text helpers shared by the renderers: escaping, excerpts, numbers, durations.

Slack's ``mrkdwn`` needs only ``&``, ``<`` and ``>`` escaped (its own rule); the same
escaping is harmless in standard Markdown, where ``&amp;`` renders as ``&``. Text that
came from users, the Workers API or the web goes through ``fit_mrkdwn`` before it is
placed in a mrkdwn field, so it can neither ping ``<!channel>`` nor forge a link.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urlsplit

_TOKEN = re.compile(r"&(?:amp|lt|gt);|.", re.DOTALL)
ELLIPSIS = "\u2026"


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack asks (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit_mrkdwn(text: str, limit: int, *, one_line: bool = False, idempotent: bool = False) -> str:
    """``text`` escaped for mrkdwn, cut with an ellipsis so the *escaped* form fits.

    Escaping can grow text fivefold (``&`` -> ``&amp;``), so the cut is decided on the
    escaped length and never splits an entity. With ``idempotent``, entities already in
    the text (``&amp;``, ``&lt;``, ``&gt;``) are kept, so text that may or may not have
    been escaped already comes out escaped exactly once.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if one_line:
        text = " ".join(text.split())
    text = text.strip()
    pieces: list[str] = []
    used = 0
    for token in _TOKEN.findall(text):
        keep = idempotent and len(token) > 1
        piece = token if keep else escape_mrkdwn(token)
        if used + len(piece) > limit:
            while pieces and used + len(ELLIPSIS) > limit:
                used -= len(pieces.pop())
            return "".join(pieces).rstrip() + ELLIPSIS
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces)


def format_duration(seconds: float) -> str:
    """Two units at most: ``12s``, ``1m 12s``, ``45m``, ``1h 30m``, ``2d``, ``1d 4h``."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    first = next((i for i, (value, _) in enumerate(units) if value), len(units) - 1)
    shown = [f"{value}{unit}" for value, unit in units[first : first + 2] if value]
    return " ".join(shown) or "0s"


def format_usd(amount: float) -> str:
    """``$0.0123`` for cents and below, ``$1.23`` from a dollar up."""
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.4f}"


def format_count(value: int) -> str:
    return f"{value:,}"


def format_relative(when: datetime, now: datetime) -> str:
    """``just now``, ``5m ago``, ``in 2h``: coarse, for lists."""
    delta = (when - now).total_seconds()
    if abs(delta) < 60:
        return "just now" if delta <= 0 else "in under a minute"
    coarse = format_duration(abs(delta)).split(" ")[0]
    return f"in {coarse}" if delta > 0 else f"{coarse} ago"


def safe_link_url(url: str) -> str | None:
    """An http(s) URL made safe inside ``<url|label>``, or None for anything else."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # ``|`` and ``>`` would end the link early; spaces and ``<`` break it. ``&`` is
    # escaped like everywhere else in mrkdwn (Slack unescapes it in the link).
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._").replace("&", "&amp;")


def link_label(url: str, title: str | None) -> str:
    """A source's title, or its host when it has none."""
    if title and title.strip():
        return title
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        host = None
    return host or url


def mrkdwn_link(url: str, label: str, *, limit: int = 200) -> str:
    """``<url|label>`` with the label escaped (and ``|`` removed); plain label if unsafe."""
    safe_label = fit_mrkdwn(label.replace("|", "\u00a6"), limit, one_line=True)
    safe_url = safe_link_url(url)
    return f"<{safe_url}|{safe_label}>" if safe_url else safe_label
