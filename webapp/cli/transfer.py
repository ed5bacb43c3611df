"""Transfer commands: import a folder or zip, export every article."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from .. import jobs
from ..jobs import records
from ..jobs.models import FAILED
from ..jobs.runner import close_shared_pool, run_job
from ..services.publishing import FileResult
from ..services.schema import upgrade_database
from ..services.transfer import export_articles, plan_import
from .comment_import import import_comment_file, is_comment_file

OUTCOMES = ("created", "updated", "unchanged", "rejected")


def describe(result: FileResult) -> list[str]:
    """Return the summary lines of one file: outcome, name, where it went or why not."""
    if result.outcome == "rejected":
        lines = [f"{result.outcome:<9}  {result.name}: {result.reason or 'rejected'}"]
    else:
        where = f" -> {result.slug}" if result.slug else ""
        status = f" ({result.status})" if result.status else ""
        lines = [f"{result.outcome:<9}  {result.name}{where}{status}"]
    lines += [f"           warning: {warning}" for warning in result.warnings]
    return lines + [f"           {line}" for line in result.images or []]


def counts_line(results: list[FileResult]) -> str:
    """Return "N files: a created, b updated, c unchanged, d rejected" (+ warnings)."""
    counts = Counter(result.outcome for result in results)
    parts = [f"{counts.get(outcome, 0)} {outcome}" for outcome in OUTCOMES]
    warned = sum(1 for result in results if result.warnings)
    extra = f"; {warned} with warnings" if warned else ""
    return f"Imported {plural(len(results), 'file')}: {', '.join(parts)}{extra}."


@click.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path))
@click.option(
    "--quiet", "-q", is_flag=True, help="List only rejected files and files with warnings."
)
@click.option(
    "--background",
    is_flag=True,
    help="Queue the import for `flask worker` and return at once; follow it at /admin/jobs/.",
)
@click.option(
    "--localize-images",
    is_flag=True,
    help="Download the images the Markdown loads from other sites and store them here"
    " (limits: the IMAGE_FETCH_* settings).",
)
@with_appcontext
def import_command(path: Path, quiet: bool, background: bool, localize_images: bool) -> None:
    """Import a folder or .zip of Markdown files with their images, or restore an export.

    PATH is a folder (such as Hexo's source/_posts, Jekyll's _posts or Hugo's
    content/posts) or a zip of one. A folder or zip made by `flask export` (it holds
    blog-export.json) is restored exactly: slugs, dates, status, categories, tags, images
    and revisions. Each file is saved completely or not at all; a bad file is reported and
    the others go on. The import is a job: it is listed at /admin/jobs/ with its results,
    and one that was stopped goes on where it stopped when run again.

    PATH may also be a comment export: a WordPress export (.xml, WXR) or a Waline or
    Twikoo export (.json). Its comments are added under the articles they were written
    on, found by slug, address (old addresses included) or title; comments already here
    are not added twice, and those whose article is not found are listed.

    Exit status: 0 when every file was imported, 1 when any file was rejected.
    """
    upgrade_database()
    if is_comment_file(path):
        if background:
            click.echo("A comment export is imported at once, not queued.")
        import_comment_file(path)
        return
    try:
        plan = plan_import(path)
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error)) from error
    kind = "blog export" if plan.kind == "export" else "Markdown files"
    if plan.accounts:
        click.echo(
            f"{path} holds {plural(plan.accounts, 'account')}: those missing here are added,"
            " existing ones are kept as they are."
        )
    job = jobs.start_import(path, plan.total, queue=background, localize_images=localize_images)
    if background:
        click.echo(f"Queued {path} as job {job.id}; follow it at /admin/jobs/{job.id}.")
        return
    click.echo(f"Importing {path} ({kind}, {plural(plan.total, 'document')}) as job {job.id}")
    # A terminal gets a progress bar, then the summary; a log or a pipe gets a line per file.
    interactive = sys.stdout.isatty()
    results: list[FileResult] = []
    show = _line_printer(plan.total, quiet) if not interactive else None
    with _progress_bar(plan.total, interactive) as bar:

        def report(result: FileResult) -> None:
            results.append(result)
            if bar is not None:
                bar.update(1, result.name)
            else:
                show(result)

        try:
            run_job(job.id, echo=report)
        finally:
            close_shared_pool()
    job = records.get_job(job.id)
    if job.state == FAILED:
        raise click.ClickException(_failure(job.message or "the import failed", plan))
    if interactive:
        for result in results:
            if not quiet or result.outcome == "rejected" or result.warnings:
                click.echo("\n".join(describe(result)))
    click.echo(counts_line(results))
    if any(result.outcome == "rejected" for result in results):
        click.get_current_context().exit(1)


def _failure(message: str, plan) -> str:
    """Return why an import failed, with the way out of a zip over the upload limit."""
    if plan.is_zip and "limit per upload" in message:
        return f"{message}; unzip it and import the folder, or raise MAX_UPLOAD_SIZE"
    return message


@contextmanager
def _progress_bar(total: int, shown: bool):
    """Yield a terminal progress bar, or None when output goes to a log or a pipe."""
    if not shown:
        yield None
        return
    with click.progressbar(
        length=max(total, 1), label="Importing", item_show_func=lambda name: name
    ) as bar:
        yield bar


def _line_printer(total: int, quiet: bool):
    """Return a progress callback printing one numbered line per file (no terminal bar)."""
    done = 0

    def show(result: FileResult) -> None:
        nonlocal done
        done += 1
        if quiet and result.outcome != "rejected" and not result.warnings:
            return
        lines = describe(result)
        lines[0] = f"[{done}/{max(total, done)}] {lines[0]}"
        for line in lines:
            click.echo(line)

    return show


@click.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--revisions", is_flag=True, help="Also write every saved revision of each article.")
@click.option("--zip", "as_zip", is_flag=True, help="Write a zip file (implied by a .zip PATH).")
@click.option(
    "--accounts",
    is_flag=True,
    help="Also write the accounts: usernames, password hashes and API token hashes.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file or non-empty folder.")
@with_appcontext
def export_command(path: Path, revisions: bool, as_zip: bool, accounts: bool, force: bool) -> None:
    """Export every article as <slug>/index.md with its images beside it, to PATH.

    The folder (or zip) opens in Typora or Obsidian with the images showing: drafts are
    under drafts/, articles in the trash under trash/, saved revisions (--revisions) in
    the hidden .blog/ folder. blog-export.json lets `flask import PATH` restore it all
    exactly, into an empty database or over this one. Accounts are left out unless
    --accounts is given: the file then holds password hashes, so keep it private.
    """
    as_zip = as_zip or path.suffix.lower() == ".zip"
    if as_zip and path.is_dir():
        raise click.ClickException(f"{path} is a folder; give a file name for the zip")
    if not as_zip and path.exists() and not path.is_dir():
        raise click.ClickException(f"{path} is a file; pass --zip to write a zip")
    if not force and path.is_file():
        raise click.ClickException(f"{path} exists; pass --force to overwrite it")
    if not force and path.is_dir() and any(path.iterdir()):
        raise click.ClickException(f"{path} is not empty; pass --force to overwrite")
    try:
        summary = export_articles(path, revisions=revisions, as_zip=as_zip, accounts=accounts)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from error
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    extra = f", {plural(summary.revisions, 'revision')}" if revisions else ""
    click.echo(
        f"Exported {plural(summary.articles, 'article')} ({summary.drafts} drafts,"
        f" {summary.trashed} in the trash){extra}, {plural(summary.comments, 'comment')}"
        f" and {plural(summary.images, 'image')} to {path}."
    )
    if accounts:
        click.echo(
            f"It holds {plural(summary.accounts, 'account')} with password and API token"
            " hashes: keep it private."
        )


def plural(count: int, noun: str) -> str:
    """Return "1 article" or "3 articles"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def register(app: Flask) -> None:
    """Register the transfer commands."""
    for command in (import_command, export_command):
        app.cli.add_command(command)
