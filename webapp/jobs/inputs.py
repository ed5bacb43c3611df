"""What a job works on, kept in instance/jobs/<id>/ until it ends: an upload's files as
sent, the path `flask import` was given, an export zip to restore, or an export's options.
An export job's zip is written to instance/exports/<id>.zip and kept with the job.

    upload.json      {"files": [{"name": "posts.zip", "stored": "files/0"}, …],
                      "pasted": true|false}  or  {"path": "/home/me/blog/source/_posts"},
                      each with "options": {"localize_images": true|false, "minor": …}
                     or  {"export": {"revisions": true}}
    restore.zip      an export zip uploaded to be restored (its "path")
    files/<n>        each document or zip, under its position in the upload
    loose/<path>     images and other files sent beside the documents, by upload path
    pasted.md        the pasted text
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ..content.messages import N_
from ..services.ingest import IncomingFile, is_loose, upload_path

MANIFEST = "upload.json"
RESTORE_ZIP = "restore.zip"
# The option that has a job copy remote images into the site.
LOCALIZE = "localize_images"
MINOR = "minor"  # updates keep their date (a minor edit)


class MissingInput(ValueError):
    """A job's stored upload or import path is gone; str() says what is missing."""


@dataclass(frozen=True)
class StoredUpload:
    """An upload read back from a job's folder."""

    files: list[IncomingFile]
    pasted: str | None
    loose_root: Path


def folder(job_id: int) -> Path:
    """Return the folder a job keeps its input in."""
    return Path(current_app.instance_path) / "jobs" / str(job_id)


def save_upload(
    job_id: int, files: list[IncomingFile], pasted: str | None, options: dict | None = None
) -> None:
    """Write an upload and its options to the job's folder, so a worker process can read it."""
    root = folder(job_id)
    (root / "files").mkdir(parents=True, exist_ok=True)
    (root / "loose").mkdir(exist_ok=True)
    listed = []
    for number, file in enumerate(files):
        if is_loose(file.name):
            target = root / "loose" / upload_path(file.name)
            listed.append({"name": file.name, "loose": True})
            if target.exists():
                continue  # the first of two files with one name is the one used
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            target = root / "files" / str(number)
            listed.append({"name": file.name, "stored": f"files/{number}"})
        target.write_bytes(file.read())
    if pasted is not None:
        (root / "pasted.md").write_text(pasted, encoding="utf-8")
    manifest = {"files": listed, "pasted": pasted is not None, "options": options or {}}
    (root / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def export_file(job_id: int) -> Path:
    """Return where an export job writes its zip; it outlives the job's input folder."""
    return Path(current_app.instance_path) / "exports" / f"{job_id}.zip"


def save_export(job_id: int, *, revisions: bool) -> None:
    """Record what an export job writes."""
    root = folder(job_id)
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"export": {"revisions": revisions}}
    (root / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def export_options(job_id: int) -> dict | None:
    """Return an export job's options, or None for a job of another kind."""
    return _manifest(job_id).get("export")


def save_restore(job_id: int, source) -> Path:
    """Store an uploaded export zip in the job's folder; return its path."""
    root = folder(job_id)
    root.mkdir(parents=True, exist_ok=True)
    target = root / RESTORE_ZIP
    source.save(target)
    save_path(job_id, target)
    return target


def save_path(job_id: int, path: Path, options: dict | None = None) -> None:
    """Record the folder or zip an import job reads, and its options."""
    root = folder(job_id)
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"path": str(Path(path).resolve()), "options": options or {}}
    (root / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _manifest(job_id: int) -> dict:
    path = folder(job_id) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise MissingInput(
            N_("the upload this job was started with is no longer stored")
        ) from error


def options(job_id: int) -> dict:
    """Return the options a job was started with ({} for a job of an older version)."""
    found = _manifest(job_id).get("options")
    return found if isinstance(found, dict) else {}


def import_path(job_id: int) -> Path | None:
    """Return the path an import job reads, or None for an upload job."""
    path = _manifest(job_id).get("path")
    if path is None:
        return None
    if not Path(path).exists():
        raise MissingInput(N_("%(path)s no longer exists") % {"path": path})
    return Path(path)


def load_upload(job_id: int) -> StoredUpload:
    """Return the upload a job was started with."""
    root = folder(job_id)
    manifest = _manifest(job_id)
    files = []
    for item in manifest.get("files", []):
        if item.get("loose"):
            files.append(
                IncomingFile(item["name"], path=root / "loose" / upload_path(item["name"]))
            )
        else:
            files.append(IncomingFile(item["name"], path=root / item["stored"]))
    pasted = None
    if manifest.get("pasted"):
        pasted = (root / "pasted.md").read_text(encoding="utf-8")
    return StoredUpload(files, pasted, root / "loose")


def available(job_id: int) -> bool:
    """Tell whether a job's input is still there to resume from."""
    try:
        import_path(job_id)  # reads the job's manifest, and checks an import's path
    except MissingInput:
        return False
    return True


def discard(job_id: int) -> None:
    """Delete what a job kept of its input."""
    shutil.rmtree(folder(job_id), ignore_errors=True)
