"""Repositories: one module per aggregate.

Every function is async, takes the ``AsyncSession`` first and everything else by
keyword, and never commits: the caller owns the transaction (``Database.transaction``).
"""
