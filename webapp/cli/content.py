"""Content commands: init-db, load-demo, rerender."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from ..content.budget import RenderTooSlow
from ..extensions import db
from ..models import Article
from ..services.publishing import RENDER_VERSION, publish, rerender
from ..services.schema import IncompleteDatabase, upgrade_database

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def file_loader(base: Path, root: Path):
    """Return an image loader reading references relative to `base`, never outside `root`."""
    root = root.resolve()

    def load(reference: str) -> bytes | None:
        path = (base / reference).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path.read_bytes()

    return load


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database to the newest migration, keeping every row."""
    try:
        done = upgrade_database()
    except IncompleteDatabase as error:
        raise click.ClickException(str(error)) from error
    for line in done:
        click.echo(line)
    click.echo("Database ready.")


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has articles.")
@with_appcontext
def load_demo_command(if_empty: bool) -> None:
    """Load the demo articles shipped with the blog."""
    upgrade_database()  # `make run` calls init-db first, but this may be the first command
    if if_empty and db.session.scalar(select(func.count(Article.id))):
        click.echo("Database has articles; demo content not loaded.")
        return
    files = sorted((DEMO_DIR / "articles").glob("*.md"))
    counts: dict[str, int] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        result = publish(text, filename=path.name, load_image=file_loader(path.parent, DEMO_DIR))
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        for warning in result.warnings:
            click.echo(f"{path.name}: {warning}", err=True)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    click.echo(f"Demo content: {len(files)} articles ({summary}).")


def _rendered_fields(article: Article) -> tuple:
    return (
        article.html,
        article.toc_html,
        article.excerpt,
        article.lang,
        article.feed_html,
    )


@click.command("rerender")
@click.option("--all", "everything", is_flag=True, help="Also re-render articles already current.")
@with_appcontext
def rerender_command(everything: bool) -> None:
    """Re-render stored articles from their Markdown after the pipeline changes.

    Only articles rendered by an older pipeline (render_version below the current one)
    are rendered again, unless --all is given.
    """
    upgrade_database()  # an older database may lack a column render_into() writes
    query = select(Article.id).order_by(Article.id)
    total = db.session.scalar(select(func.count(Article.id)))
    if not everything:
        query = query.where(Article.render_version < RENDER_VERSION)
    ids = list(db.session.scalars(query))
    changed = failed = 0
    for article_id in ids:
        article = db.session.get(Article, article_id, options=[undefer(Article.feed_html)])
        before = _rendered_fields(article)
        try:
            rerender(article)
        # Front matter this pipeline refuses, or a body over the render budget: say which.
        except (ValueError, RenderTooSlow) as error:
            failed += 1
            click.echo(f"{article.slug}: not re-rendered: {error}", err=True)
            continue
        changed += before != _rendered_fields(article)
    failures = f"; {failed} could not be re-rendered" if failed else ""
    click.echo(
        f"Re-rendered {len(ids) - failed} articles; {changed} changed; "
        f"{total - len(ids)} skipped as current{failures}."
    )


def register(app: Flask) -> None:
    """Register the content commands."""
    for command in (init_db_command, load_demo_command, rerender_command):
        app.cli.add_command(command)
