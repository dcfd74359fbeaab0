"""A local emulator of the Workers API (``workers-api.txt``) for dev mode and tests.

Start one with ``bot.devkit.emulator.server.running_emulator``; see that module for the
public API and the other modules here for each part of the behaviour.
"""
