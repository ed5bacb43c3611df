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

from .messages import N_
from .render import MISSING_IMAGE, MissingImage, is_remote
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
# A local image the article or its card cannot show: (cannot be used, not in the upload).
_BODY_PROBLEMS = (
    N_("image %(image)s cannot be used: %(error)s (the article shows its alt text)"),
    N_("image not in the upload: %(image)s (the article shows its alt text)"),
)
_COVER_PROBLEMS = (
    N_("cover image %(image)s cannot be used: %(error)s (the card shows no image)"),
    N_("cover image not in the upload: %(image)s (the card shows no image)"),
)

ImageLoader = Callable[[str], bytes | None]
# Downloads a remote image for the collector: returns it checked, or raises RemoteImageError.
RemoteFetch = Callable[[str], "ImageFile"]
# An image reference is stored in 1000 characters (article_images.reference).
MAX_REFERENCE = 1000
# URLs named in one line of the report before "and N more".
_LISTED_URLS = 3


class RemoteImageError(Exception):
    """A remote image that was not stored; str() says why, in the report's words."""


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
    raise UnsupportedImage(N_("not a PNG, JPEG, GIF, WebP or SVG image"))


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
            raise UnsupportedImage(N_("SVG refused: %(error)s") % {"error": error}) from None
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

    A remote image (http, https, //) stays remote, unless the article already has a copy
    (linked by its URL), an earlier rendering downloaded it (`fetched`), or `fetch`
    downloads it now; `remote` records why each one that stays remote does.
    """

    load: ImageLoader | None
    linked: Mapping[str, str]
    media_prefix: str
    fetch: RemoteFetch | None = None
    fetched: Mapping[str, ImageFile] = field(default_factory=dict)
    found: dict[str, ImageFile] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)  # remote URLs shown from stored copies
    remote: dict[str, str | None] = field(default_factory=dict)  # URL -> why not copied

    def __call__(self, src: str) -> str | MissingImage | None:
        return self._resolve(src, _BODY_PROBLEMS)

    def _resolve(self, src: str, problems: tuple[str, str]) -> str | MissingImage | None:
        """Resolve an image reference; report a local one that cannot be shown in `problems`."""
        reference = normalise_reference(src)
        if reference is None:
            return self._remote(src.strip()) if is_remote(src) else None
        shown = unquote(src)
        try:
            data = self.load(reference) if self.load else None
            image = image_file(data) if data is not None else None
        except UnsupportedImage as error:
            # Raised by image_file, and by a loader for a file it cannot hand over.
            self.problems.append(problems[0] % {"image": shown, "error": error})
            return MISSING_IMAGE
        if image is not None:
            self.found[reference] = image
            filename = image.filename
        elif reference in self.found:
            filename = self.found[reference].filename
        elif reference in self.linked:
            filename = self.linked[reference]
        else:
            self.problems.append(problems[1] % {"image": shown})
            return MISSING_IMAGE
        self.used.add(reference)
        return self.media_prefix + filename

    def _remote(self, url: str) -> str | None:
        """Return the stored copy's URL for a remote image, or None to leave it remote."""
        if url in self.remote:
            return None
        image = self.found.get(url) or self.fetched.get(url)
        filename = image.filename if image else self.linked.get(url)
        if filename is None and self.fetch is not None:
            if len(url) > MAX_REFERENCE:
                too_long = N_("the address is over %(limit)s characters long")
                self.remote[url] = too_long % {"limit": MAX_REFERENCE}
                return None
            try:
                image = self.fetch(url)
            except RemoteImageError as error:
                self.remote[url] = str(error)
                return None
            filename = image.filename
        if filename is None:
            self.remote[url] = None
            return None
        if image is not None:
            self.found[url] = image
        if url not in self.used:
            self.used.add(url)
            self.copied.append(url)
        return self.media_prefix + filename

    @property
    def notes(self) -> list[str]:
        """Return the report's lines on remote images: copied, left remote, and why."""
        lines = []
        if self.copied:
            words = (
                N_("%(count)s remote image stored on this site: %(urls)s"),
                N_("%(count)s remote images stored on this site: %(urls)s"),
            )
            lines.append(_counted(words, self.copied))
        reasons: dict[str | None, list[str]] = {}
        for url, reason in self.remote.items():
            reasons.setdefault(reason, []).append(url)
        for reason, urls in reasons.items():
            if reason:
                words = (
                    N_("%(count)s image stays remote (%(reason)s): %(urls)s"),
                    N_("%(count)s images stay remote (%(reason)s): %(urls)s"),
                )
            else:
                words = (
                    N_("%(count)s image stays remote: %(urls)s"),
                    N_("%(count)s images stay remote: %(urls)s"),
                )
            lines.append(_counted(words, urls, reason))
        insecure = [url for url in self.remote if url.lower().startswith("http://")]
        if insecure:
            words = (
                N_(
                    "%(count)s remote image over plain http: browsers of an https site load it "
                    "over https or block it: %(urls)s"
                ),
                N_(
                    "%(count)s remote images over plain http: browsers of an https site load "
                    "them over https or block them: %(urls)s"
                ),
            )
            lines.append(_counted(words, insecure))
        return lines

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
            not_https = N_(
                "cover image %(image)s is not an https address (the card shows no image)"
            )
            self.problems.append(not_https % {"image": src})
            return None
        # Said in a cover's own words: the article body does not show it.
        resolved = self._resolve(src, _COVER_PROBLEMS)
        return resolved if isinstance(resolved, str) else None

    @property
    def warnings(self) -> list[str]:
        """Return one warning per image, not per mention."""
        return list(dict.fromkeys(self.problems))


def _counted(words: tuple[str, str], urls: list[str], reason: str | None = None) -> str:
    """Return a line about some images: `words` for one and for several, filled in."""
    template = words[0] if len(urls) == 1 else words[1]
    return template % {"count": len(urls), "reason": reason, "urls": _listing(urls)}


def _listing(urls: list[str]) -> str:
    """Return the first few URLs, and how many more there are."""
    shown = ", ".join(urls[:_LISTED_URLS])
    more = len(urls) - _LISTED_URLS
    return N_("%(urls)s and %(count)s more") % {"urls": shown, "count": more} if more > 0 else shown
