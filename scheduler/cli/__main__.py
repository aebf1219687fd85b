"""``python -m scheduler.cli``: the same command as ``scheduler``."""

from scheduler.cli import app

app()
