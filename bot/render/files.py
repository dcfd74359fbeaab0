"""Blocks about a worker's files that are not uploaded into the thread (pure)."""

from __future__ import annotations

from typing import Any

from bot.render.text import escape_mrkdwn, mrkdwn_link, safe_link_url


def file_link_blocks(filename: str, url: str, max_bytes: int) -> list[dict[str, Any]]:
    """A file over the upload limit: say so, and link to it on the Workers API."""
    megabytes = max_bytes // (1024 * 1024)
    name = escape_mrkdwn(filename)[:200]
    safe = safe_link_url(url)
    where = mrkdwn_link(safe, "download it from the Workers API") if safe else "see the worker"
    text = (
        f":page_facing_up: *{name}* is larger than {megabytes} MB, so it was not uploaded: {where}."
    )
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
