"""Import a folder or zip: a blog export is restored, anything else goes to the ingest."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...content.messages import N_
from ..bundle import FolderFiles
from ..ingest import (
    DOCUMENT_SUFFIXES,
    IncomingFile,
    UploadLimits,
    count_zip_documents,
    ingest_files,
    ingest_tree,
)
from ..publishing import FileResult, Publisher
from .manifest import MANIFEST, Archive, ExportFormatError, is_export, named_reason
from .restore import Progress, restore_export


@dataclass(frozen=True)
class ImportPlan:
    """What `import_path` will do with a path, and how many documents to expect."""

    path: Path
    kind: str  # "export" (has a manifest) or "files" (plain Markdown and images)
    is_zip: bool
    total: int
    accounts: int = 0  # accounts an export holds (made with --accounts)


def plan_import(path: Path) -> ImportPlan:
    """Look at a folder or zip; raise ValueError when it is neither."""
    if path.is_dir():
        is_zip = False
    elif path.is_file() and zipfile.is_zipfile(path):
        is_zip = True
    elif path.is_file() and path.suffix.lower() == ".zip":
        raise ValueError(f"{path} is not a readable zip file: it is damaged or not a zip")
    else:
        raise ValueError(f"{path} is neither a folder nor a zip file")
    if is_export(path):
        with Archive(path) as archive:
            manifest = archive.manifest()
        accounts = manifest.get("accounts")
        users = accounts.get("users") if isinstance(accounts, dict) else None
        count = len(users) if isinstance(users, list) else 0
        return ImportPlan(path, "export", is_zip, len(manifest["articles"]), count)
    return ImportPlan(path, "files", is_zip, _count_documents(path))


def check_restore(path: Path, name: str) -> ImportPlan:
    """Return the plan of a zip meant to be restored; raise ExportFormatError naming `name`.

    A zip that is damaged, holds no blog-export.json, or whose manifest cannot be read is
    refused before anything is saved.
    """
    try:
        if not zipfile.is_zipfile(path):
            raise ExportFormatError(N_("not a zip file, or a damaged one"))
        if not is_export(path):
            raise ExportFormatError(
                N_("not a blog export: it holds no %(name)s (to publish Markdown, use Upload)")
                % {"name": MANIFEST}
            )
        return plan_import(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        # ExportFormatError is a ValueError: every refusal names the file the author sent.
        raise ExportFormatError(named_reason(name, error)) from error


def _count_documents(path: Path) -> int:
    """Return how many documents the ingest will find: a progress bar's length."""
    if path.is_dir():
        return sum(1 for p in FolderFiles(path, 0).paths if p.lower().endswith(DOCUMENT_SUFFIXES))
    return count_zip_documents(path)


def import_path(
    plan: ImportPlan,
    *,
    limits: UploadLimits,
    progress: Progress | None = None,
    publisher: Publisher | None = None,
    skip: int = 0,
) -> list[FileResult]:
    """Import what `plan_import` found: restore an export, or ingest the files as an upload.

    `publisher` renders and writes the documents (one at a time by default); a resumed
    job skips the first `skip` files, which it already reported.
    """
    if plan.kind == "export":
        on_batch = publisher.on_batch if publisher else None
        return restore_export(
            plan.path, limits=limits, progress=progress, on_batch=on_batch, skip=skip
        )
    options = {"limits": limits, "progress": progress, "publisher": publisher, "skip": skip}
    if plan.is_zip:
        return ingest_files([IncomingFile(plan.path.name, path=plan.path)], **options)
    return ingest_tree(plan.path, **options)
