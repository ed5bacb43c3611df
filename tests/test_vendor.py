"""Third-party static files: pinned, integrity-checked, fetched once."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import pytest

from webapp import vendor


def test_manifest_pins_versions_and_integrity():
    for package in vendor.manifest()["packages"]:
        assert package["version"][0].isdigit()
        assert package["integrity"].startswith("sha512-")


def test_fetched_files_are_present_for_this_manifest():
    for package in vendor.manifest()["packages"]:
        assert vendor.is_current(package), f"run `python -m webapp.vendor` ({package['name']})"


def test_integrity_mismatch_is_refused():
    good = "sha512-" + base64.b64encode(hashlib.sha512(b"abc").digest()).decode()
    vendor.check_integrity(b"abc", good)
    with pytest.raises(vendor.VendorError, match="integrity mismatch"):
        vendor.check_integrity(b"abd", good)


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_fetch_verifies_then_unpacks_and_second_run_is_skipped(tmp_path, monkeypatch):
    data = _tarball({"package/dist/lib.min.js": b"x=1", "package/dist/fonts/a.woff2": b"F"})
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    package = {
        "name": "demo-lib",
        "version": "1.2.3",
        "integrity": integrity,
        "files": {"package/dist/lib.min.js": "lib.min.js", "package/dist/fonts/*.woff2": "fonts/"},
    }
    downloads = []
    monkeypatch.setattr(vendor, "VENDOR_DIR", tmp_path)
    monkeypatch.setattr(vendor, "manifest", lambda: {"packages": [package]})
    monkeypatch.setattr(vendor, "_download", lambda url: downloads.append(url) or data)
    monkeypatch.setattr(vendor, "write_pygments_css", lambda: None)
    vendor.ensure_vendor("https://registry.example", log=lambda message: None)
    assert downloads == ["https://registry.example/demo-lib/-/demo-lib-1.2.3.tgz"]
    assert (tmp_path / "demo-lib-1.2.3" / "lib.min.js").read_bytes() == b"x=1"
    assert (tmp_path / "demo-lib-1.2.3" / "fonts" / "a.woff2").read_bytes() == b"F"
    vendor.ensure_vendor("https://registry.example", log=lambda message: None)
    assert len(downloads) == 1
    stamp = json.loads((tmp_path / "demo-lib-1.2.3" / ".integrity").read_text())
    assert stamp["integrity"] == integrity


def test_tampered_download_writes_nothing(tmp_path, monkeypatch):
    package = {"name": "x", "version": "1.0.0", "integrity": "sha512-AAAA", "files": {"a": "a"}}
    monkeypatch.setattr(vendor, "VENDOR_DIR", tmp_path)
    monkeypatch.setattr(vendor, "manifest", lambda: {"packages": [package]})
    monkeypatch.setattr(vendor, "_download", lambda url: _tarball({"a": b"evil"}))
    with pytest.raises(vendor.VendorError, match="integrity"):
        vendor.fetch_package(package, "https://registry.example")
    assert not any(tmp_path.iterdir())


def test_pygments_stylesheet_has_light_and_dark_styles():
    css = vendor.pygments_css()
    assert ".highlight .k" in css
    assert "@media (prefers-color-scheme: dark)" in css
