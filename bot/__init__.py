"""slack-workers: run remote AI workers from Slack."""

__version__ = "0.1.0"
