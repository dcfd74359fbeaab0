"""Persistence for slack-workers: sqlmodel tables, async engine, repositories, leases."""
