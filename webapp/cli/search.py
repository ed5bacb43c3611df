"""Search commands: reindex."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..services.schema import upgrade_database
from ..services.search import reindex


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from every stored article's title and HTML.

    Publishing keeps the index up to date by itself; run this after rows were written
    without the application (bulk SQL), or after the way text is indexed changed.
    """
    upgrade_database()

    def show(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} articles", err=True)

    result = reindex(progress=show)
    click.echo(
        f"Indexed {result.indexed} articles ({result.searchable} published and searchable); "
        f"removed {result.removed} stale entries."
    )


def register(app: Flask) -> None:
    """Register the search commands."""
    app.cli.add_command(reindex_command)
