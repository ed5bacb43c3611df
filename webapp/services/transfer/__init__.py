"""Export every article to a folder or zip that `flask import` restores exactly.

Layout of an export (a folder, or a zip holding the same names, possibly under one
top-level folder):

    blog-export.json                  the manifest, written last
    articles/<slug>.md                each article's stored source, byte for byte (UTF-8)
    assets/<sha256>.<ext>             each image an article links, named by its content hash
    revisions/<slug>/<n>-<time>.md    with --revisions: every saved source, oldest first

The Markdown files are the author's own documents, front matter untouched, so an export
is also readable and re-usable by other engines. The manifest records what the source
alone may not say: per article its slug, status, trash time (trashed articles are
exported too, marked with `deleted_at`, because an export is a backup and the trash is
restorable), created/published/updated times, uploaded file name, title, category path,
tag slugs, the SHA-256 of the source, the map from each image reference as written to
its asset, and its revisions; globally every category and tag (so empty ones and tag
spellings survive) and each asset's type and size; and `format`/`version`.

Restoring (restore.py) goes article by article, one transaction each, through the same
`render_into()` that `publish()` and `flask rerender` use, so HTML, excerpt, search text
and image links are derived as on upload. A byte-identical file gets every recorded
field back; a file edited after the export has its title, category, tags and status read
from its front matter (as `publish()` would) and its updated time moves to now. An
article whose slug exists and already matches everything recorded is "unchanged".
A folder or zip without a manifest is not an export: it goes to the upload ingest
(`ingest_tree` / `ingest_files`), the Hexo, Jekyll and Hugo case.
"""

from .export import ExportSummary, count_articles, export_articles
from .importing import ImportPlan, check_restore, import_path, plan_import
from .manifest import MANIFEST, ExportFormatError
from .restore import restore_export

__all__ = [
    "MANIFEST",
    "ExportFormatError",
    "ExportSummary",
    "ImportPlan",
    "check_restore",
    "count_articles",
    "export_articles",
    "import_path",
    "plan_import",
    "restore_export",
]
