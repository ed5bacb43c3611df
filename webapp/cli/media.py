"""Media commands: migrate stored images from the local folder to the bucket."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..services.storage import media_store
from ..services.storage.local import LocalStore
from ..services.storage.migrate import migrate_media


@click.group("media")
def media_group() -> None:
    """Manage stored images."""


@media_group.command("migrate")
@click.option(
    "--from",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder to copy from (default: instance/uploads).",
)
@with_appcontext
def migrate_command(folder: Path | None) -> None:
    """Copy images from the local folder into the MEDIA_S3_BUCKET bucket, checking each hash.

    Run it with the bucket configured, before or after switching; running it again copies
    only what is new. Local files are left in place: remove them once the site serves
    images from the bucket.
    """
    target = media_store()
    if target.kind == "local":
        raise click.ClickException(
            "MEDIA_S3_BUCKET is not set: configure the bucket first (see README, Deploying)"
        )
    source = LocalStore(folder or Path(current_app.instance_path) / "uploads")
    if not source.folder.is_dir():
        raise click.ClickException(f"no such folder: {source.folder}")
    summary = migrate_media(source, target, lambda done: click.echo(f"  {done} files", err=True))
    click.echo(
        f"Copied {summary.copied} images, {summary.present} already in the bucket; "
        f"{summary.verified} verified by SHA-256."
    )
    for name in summary.skipped:
        click.echo(f"skipped (not a stored image's name): {name}", err=True)
    for name in summary.missing:
        click.echo(f"missing (in the database, in neither place): {name}", err=True)
    for line in summary.failed:
        click.echo(f"failed: {line}", err=True)
    if summary.failed:
        raise click.ClickException(f"{len(summary.failed)} images failed")


def register(app: Flask) -> None:
    """Register the media commands."""
    app.cli.add_command(media_group)
