"""`flask --app webapp …` commands, one module per area."""

from __future__ import annotations

from flask import Flask

from . import accounts, content, deploy, jobs, media, search, transfer


def init_app(app: Flask) -> None:
    """Register every command group's commands."""
    accounts.register(app)
    content.register(app)
    deploy.register(app)
    jobs.register(app)
    media.register(app)
    search.register(app)
    transfer.register(app)
