"""``slack-workers dev`` as a user runs it: a real process, the page served, Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

URL = re.compile(r"sandbox \(local Slack\):\s+(http://127\.0\.0\.1:\d+/)")
DATABASE = re.compile(r"database:\s+sqlite\+aiosqlite:///(\S+)")


def _exists(path: Path) -> bool:
    return path.exists()


def _entries(directory: Path) -> list[Path]:
    return list(directory.iterdir())


async def test_dev_serves_the_sandbox_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_LEVEL": "WARNING", "LOG_FORMAT": "console"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "dev",
        "--port",
        "0",
        cwd=tmp_path,  # no .env here; the database must not land in the working directory
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("Press Ctrl-C" in line for line in lines):
                line = (await process.stderr.readline()).decode()
                assert line, f"dev exited early: {''.join(lines)}"
                lines.append(line)
        banner = "".join(lines)
        url_match, db_match = URL.search(banner), DATABASE.search(banner)
        assert url_match and db_match, banner
        database = Path(db_match.group(1))
        assert _exists(database)
        async with aiohttp.ClientSession() as session:
            async with session.get(url_match.group(1)) as page:
                assert page.status == 200
                assert "sandbox.js" in await page.text()
            state_url = url_match.group(1) + "sandbox/state?user=U0ALICE"
            async with session.get(state_url) as state:
                assert (await state.json())["command"] == "/worker"
            # the page keeps an event stream open; Ctrl-C must not wait for it
            events = await session.get(url_match.group(1) + "sandbox/events")
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(30):
                _, rest = await process.communicate()
            events.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = banner + rest.decode()
    assert process.returncode == 0, output
    assert "slack-workers dev: stopped" in output
    assert "Traceback" not in output
    assert not _exists(database)  # the throw-away database went with it
    assert _entries(tmp_path) == []
