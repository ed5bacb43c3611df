"""Fetch pinned third-party static files from the npm registry and verify them.

Run as ``python -m webapp.vendor``. The manifest (vendor.json) pins each package's
version and its tarball's integrity; files land in static/vendor/<pkg>-<version>/,
which is git-ignored. The fetch is idempotent: a package whose stamp matches the
manifest and whose files are present is skipped. The same step writes the Pygments
stylesheet (a light style, and a dark one behind prefers-color-scheme). Test-only
packages (axe-core, for the accessibility tests) go to build/test-vendor/ instead.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).with_name("vendor.json")
VENDOR_DIR = ROOT / "static" / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
# Packages marked "test_only" (axe-core) land outside static/, so they are never served.
TEST_VENDOR_DIR = ROOT / "build" / "test-vendor"


class VendorError(RuntimeError):
    """A package could not be fetched or failed its integrity check."""


@cache
def manifest() -> dict:
    """Return the parsed vendor manifest."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def package_dir_name(name: str) -> str:
    """Return the versioned folder name of a manifest package, e.g. katex-0.19.1."""
    for package in manifest()["packages"]:
        if package["name"] == name:
            return f"{name.split('.')[0]}-{package['version']}"
    raise KeyError(name)


def package_folder(package: dict) -> Path:
    """Return the folder a manifest package's files land in."""
    parent = TEST_VENDOR_DIR if package.get("test_only") else VENDOR_DIR
    return parent / package_dir_name(package["name"])


def tool_file(name: str, relative: str) -> Path:
    """Return the filesystem path of a fetched test-only file, e.g. axe-core's axe.min.js."""
    for package in manifest()["packages"]:
        if package["name"] == name:
            return package_folder(package) / relative
    raise KeyError(name)


def vendor_file(name: str, relative: str) -> str:
    """Return a path under static/ for a fetched file, e.g. vendor/katex-0.19.1/katex.min.css."""
    return f"vendor/{package_dir_name(name)}/{relative}"


def katex_script_path() -> Path:
    """Return the filesystem path of the KaTeX script used for server-side rendering."""
    return VENDOR_DIR / package_dir_name("katex") / "katex.min.js"


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise VendorError unless data matches an SRI string such as sha512-...."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha256", "sha384", "sha512"}:
        raise VendorError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise VendorError(f"integrity mismatch: expected {integrity}, got {algorithm}-{actual}")


def _tarball_url(package: dict, registry: str) -> str:
    name, version = package["name"], package["version"]
    basename = name.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{name}/-/{basename}-{version}.tgz"


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https URL
        return response.read()


def _targets(members: list[tarfile.TarInfo], files: dict[str, str]) -> dict[str, str]:
    """Map tarball member names to destination paths relative to the package folder."""
    chosen: dict[str, str] = {}
    for pattern, destination in files.items():
        matched = [m.name for m in members if m.isfile() and fnmatch.fnmatch(m.name, pattern)]
        if not matched:
            raise VendorError(f"no file in the tarball matches {pattern!r}")
        for member in matched:
            chosen[member] = (
                destination + member.rsplit("/", 1)[-1]
                if destination.endswith("/")
                else destination
            )
    return chosen


def _stamp_path(package: dict) -> Path:
    return package_folder(package) / ".integrity"


def is_current(package: dict) -> bool:
    """Tell whether a package's files are present and were fetched for this manifest entry."""
    stamp = _stamp_path(package)
    if not stamp.is_file():
        return False
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    if recorded.get("integrity") != package["integrity"]:
        return False
    folder = stamp.parent
    return all((folder / relative).is_file() for relative in recorded.get("files", []))


def fetch_package(package: dict, registry: str) -> list[str]:
    """Download, verify and unpack one package; return the files written."""
    url = _tarball_url(package, registry)
    try:
        data = _download(url)
    except OSError as error:
        raise VendorError(f"{package['name']}: cannot download {url}: {error}") from error
    try:
        check_integrity(data, package["integrity"])
    except VendorError as error:
        raise VendorError(f"{package['name']}@{package['version']}: {error}") from error
    folder = package_folder(package)
    written = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member, relative in _targets(archive.getmembers(), package["files"]).items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
            written.append(relative)
    _stamp_path(package).write_text(
        json.dumps({"integrity": package["integrity"], "files": sorted(written)}), encoding="utf-8"
    )
    return written


def pygments_css() -> str:
    """Return the code-highlighting stylesheet: light by default, dark on request."""
    from webapp.code_style import stylesheet

    return stylesheet()


def write_pygments_css() -> Path:
    """Write static/vendor/pygments.css when its content differs."""
    target = VENDOR_DIR / "pygments.css"
    css = pygments_css()
    if not target.is_file() or target.read_text(encoding="utf-8") != css:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    return target


def ensure_vendor(registry: str | None = None, log=print) -> None:
    """Fetch every package that is missing or stale, then write the Pygments stylesheet."""
    registry = registry or os.environ.get("NPM_REGISTRY", DEFAULT_REGISTRY)
    for package in manifest()["packages"]:
        label = f"{package['name']}@{package['version']}"
        if is_current(package):
            log(f"{label}: present")
            continue
        written = fetch_package(package, registry)
        log(f"{label}: fetched and verified ({len(written)} files)")
    write_pygments_css()


def main() -> int:
    """Command-line entry point."""
    try:
        ensure_vendor()
    except VendorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
