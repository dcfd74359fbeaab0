"""Tests of the fake Slack (bot/devkit/slack)."""
