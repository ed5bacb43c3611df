"""Images an article references: which file each reference means, checked and hashed.

Pure: loading bytes is the caller's loader, storing them is the caller's job. This lets a
document be rendered in any process (a bulk import renders in a pool) while the database
rows and files are written by the one process that commits them.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .render import MISSING_IMAGE, MissingImage
from .svg import UnsafeSvg, sanitize_svg

# Types are recognised by their first bytes, never by the file name.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
# A document that starts like XML and has an <svg> element near the top is taken for an
# SVG; svg.sanitize_svg then parses all of it and refuses anything that is not one.
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<[?!a-zA-Z]")
_SVG_ELEMENT = re.compile(rb"<svg[\s>/]")
_ALT_SHOWN = "the article shows its alt text"

ImageLoader = Callable[[str], bytes | None]


class UnsupportedImage(ValueError):
    """Bytes that are not one of the image types the blog stores."""


def sniff_image(data: bytes) -> tuple[str, str]:
    """Return (mime type, extension) of PNG, JPEG, GIF, WebP or SVG data; raise otherwise."""
    for signature, mime, extension in _SIGNATURES:
        if data.startswith(signature):
            return mime, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    head = data[:4096]
    if _XML_START.match(head) and _SVG_ELEMENT.search(head):
        return "image/svg+xml", "svg"
    raise UnsupportedImage("not a PNG, JPEG, GIF, WebP or SVG image")


@dataclass(frozen=True)
class ImageFile:
    """Image bytes ready to store: the sanitised copy of an SVG, and its content hash."""

    sha256: str
    mime_type: str
    extension: str
    data: bytes

    @property
    def filename(self) -> str:
        """Return the stored file name, e.g. 3f2a…c1.svg."""
        return f"{self.sha256}.{self.extension}"


def image_file(data: bytes) -> ImageFile:
    """Check image bytes and return what is stored for them; raise UnsupportedImage."""
    mime, extension = sniff_image(data)
    if extension == "svg":
        # What is stored (and addressed by its hash) is the sanitised copy, never the upload.
        try:
            data = sanitize_svg(data)
        except UnsafeSvg as error:
            raise UnsupportedImage(f"SVG refused: {error}") from None
    return ImageFile(hashlib.sha256(data).hexdigest(), mime, extension, data)


def normalise_reference(src: str) -> str | None:
    """Return a local image reference as a clean relative path, or None for URLs and data."""
    parts = urlsplit(src.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = posixpath.normpath(unquote(parts.path).replace("\\", "/"))
    return path.lstrip("/") if path not in (".", "") else None


@dataclass
class ImageCollector:
    """Resolves image references while a document renders (render_markdown's resolve_image).

    A reference the loader supplies becomes a new image (`found`); one it lacks keeps the
    file the article already links (`linked`: reference -> stored file name); anything
    else shows its alt text and is reported. `media_prefix` + file name is an image's URL.
    """

    load: ImageLoader | None
    linked: Mapping[str, str]
    media_prefix: str
    found: dict[str, ImageFile] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def __call__(self, src: str) -> str | MissingImage | None:
        reference = normalise_reference(src)
        if reference is None:
            return None
        shown = unquote(src)
        try:
            data = self.load(reference) if self.load else None
            image = image_file(data) if data is not None else None
        except UnsupportedImage as error:
            # Raised by image_file, and by a loader for a file it cannot hand over.
            self.problems.append(f"image {shown} cannot be used: {error} ({_ALT_SHOWN})")
            return MISSING_IMAGE
        if image is not None:
            self.found[reference] = image
            filename = image.filename
        elif reference in self.found:
            filename = self.found[reference].filename
        elif reference in self.linked:
            filename = self.linked[reference]
        else:
            self.problems.append(f"image not in the upload: {shown} ({_ALT_SHOWN})")
            return MISSING_IMAGE
        self.used.add(reference)
        return self.media_prefix + filename

    def cover(self, src: str) -> str | None:
        """Resolve a front matter cover: an https URL as it is, a local image as above.

        Return None (and a warning: the card then shows no image) for a cover that is
        neither, or is missing from the upload and the article.
        """
        address = "https:" + src if src.startswith("//") else src
        parts = urlsplit(address)
        if parts.scheme == "https" and parts.netloc:
            return address
        if parts.scheme or parts.netloc:
            self.problems.append(
                f"cover image {src} is not an https address (the card shows no image)"
            )
            return None
        before = len(self.problems)
        resolved = self(src)
        if isinstance(resolved, str):
            return resolved
        # Said in a cover's own words: the article body does not show it.
        problem = self.problems[before] if len(self.problems) > before else ""
        del self.problems[before:]
        self.problems.append(
            "cover " + problem.replace(f"({_ALT_SHOWN})", "(the card shows no image)")
        )
        return None

    @property
    def warnings(self) -> list[str]:
        """Return one warning per image, not per mention."""
        return list(dict.fromkeys(self.problems))
