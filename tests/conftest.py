"""Shared test set-up. Fixtures live in ``tests/fixtures/``, one module per fake."""

pytest_plugins = [
    "tests.fixtures.emulator",
    "tests.fixtures.storage",
    "tests.fixtures.slack",
]
