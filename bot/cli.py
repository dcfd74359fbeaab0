"""Command line: ``slack-workers run | dev | emulator | db upgrade``.

Each sub-command builds what it needs here, at call time (never at import), and turns a
``ConfigError`` or ``StorageError`` into one clear line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot.errors import ConfigError, StorageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slack-workers", description="Run remote AI workers from Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Slack traffic (Socket Mode when SLACK_APP_TOKEN is set)")
    dev = sub.add_parser("dev", help="everything on this machine: emulator, SQLite, sandbox")
    dev.add_argument("--port", type=int, default=8800, help="sandbox port (default 8800)")
    emulator = sub.add_parser("emulator", help="serve only the Workers API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8787)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the database migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "emulator":
            from bot.devkit.emulator.server import serve_forever

            key = os.environ.get("WORKERS_API_KEY") or None
            asyncio.run(serve_forever(host=args.host, port=args.port, api_key=key))
            return 0

        from bot.logs import configure_logging
        from bot.settings import load_settings

        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "db":
            from storage.migrations import upgrade_database

            asyncio.run(upgrade_database(settings.database_url))
        elif args.command == "run":
            from bot.server import serve

            settings.require_for_run()
            asyncio.run(serve(settings))
        elif args.command == "dev":
            from bot.devkit.dev import run_dev

            asyncio.run(run_dev(settings, sandbox_port=args.port))
    except (ConfigError, StorageError) as exc:
        print(f"slack-workers: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
