"""Persistence for slack-workers: sqlmodel tables, async engine, repositories, leases.

- ``storage.engine``: ``open_database(url) -> Database`` (engine, sessions, transaction,
  ping); one per process, built by the app factory.
- ``storage.models``: the tables; ``storage.types``: UTC datetimes and status names.
- ``storage.repositories``: ``links``, ``turns``, ``events``, ``schedules``,
  ``deliveries``; keyword-only async functions, the caller owns the transaction.
- ``storage.leases``: claim / renew / release / claim_expired_turns on turns.
- ``storage.migrations``: ``upgrade_database(url)`` (Alembic, shipped in the package).
- ``storage.oauth``: slack-sdk's OAuth installation and state stores on our engine.
"""
