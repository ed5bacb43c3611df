"""`flask import` of a comment export file (WordPress WXR, Waline or Twikoo JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from ..services.comments.importing import ForeignFormatError, import_comments

# The files `flask import` reads as comment exports rather than as a folder or zip.
COMMENT_SUFFIXES = (".xml", ".json")


def is_comment_file(path: Path) -> bool:
    """Tell whether `flask import PATH` names a comment export file."""
    return path.is_file() and path.suffix.lower() in COMMENT_SUFFIXES


def import_comment_file(path: Path) -> None:
    """Import a comment export, print what went where; exit 1 when some were left out."""
    try:
        report = import_comments(path)
    except (ForeignFormatError, OSError) as error:
        # Nothing was stored: the file is read whole before anything is saved.
        raise click.ClickException(f"{path}: {error}") from error
    click.echo(f"{path}: {report.kind} comments")
    for page, slug in report.matched:
        click.echo(f"matched    {page} -> {slug}")
    for page, count in report.unmatched:
        click.echo(
            f"unmatched  {path}: {count} comment{'' if count == 1 else 's'} on {page}:"
            " no article has this address, slug or title (add it as an old address and"
            " import again)"
        )
    for reason in report.skipped:
        click.echo(f"skipped    {path}: {reason}")
    left = sum(count for _, count in report.unmatched) + len(report.skipped)
    click.echo(
        f"Imported comments: {report.added} added, {report.unchanged} already here,"
        f" {left} left out."
    )
    if left:
        click.get_current_context().exit(1)
