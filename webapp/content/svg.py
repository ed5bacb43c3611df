"""Make an uploaded SVG safe to serve: no scripts, no event handlers, no outside references.

A stored SVG is served from the blog's own origin, so opened directly it is a document
that could run script. The file is parsed with expat (DTDs and entities refused, nothing
fetched), filtered element by element, and written out again from the parsed tree:
whatever the filter does not understand never reaches the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from .messages import N_

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Elements removed with everything inside them, whatever namespace prefix they carry.
_DROPPED = frozenset({"script", "foreignobject", "handler", "listener", "iframe", "object",
                      "embed", "audio", "video"})  # fmt: skip
# Animation elements can set an attribute later (<set attributeName="href" to="javascript:…">).
_ANIMATIONS = frozenset({"set", "animate", "animatemotion", "animatetransform", "animatecolor"})
# href values that stay: a reference into the same file, or an embedded raster image.
_SAFE_HREF = re.compile(r"#[^\s]*|data:image/(?:png|jpeg|gif|webp)[;,][^\s]*", re.IGNORECASE)
# url(...) anywhere in an attribute or style sheet; only url(#id) stays inside the file.
_URL = re.compile(r"""url\(\s*(['"]?)\s*([^)'"]*)""", re.IGNORECASE)
# CSS that loads or runs something, or hides what it does behind escapes.
_UNSAFE_CSS = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding|\\",
                         re.IGNORECASE)  # fmt: skip
_MAX_DEPTH = 256


class UnsafeSvg(ValueError):
    """An SVG that does not parse, or cannot be made safe; str() says why in plain words."""


@dataclass
class _Element:
    name: str  # local name
    attributes: dict[str, str]  # qualified as written in the output (href, xlink:href)
    children: list[_Element | str] = field(default_factory=list)


def _refuse(reason: str):
    def handler(*args) -> None:
        raise UnsafeSvg(reason)

    return handler


def _check_doctype(name, system_id, public_id, has_internal_subset) -> None:
    # A bare <!DOCTYPE svg PUBLIC …> (Illustrator writes one) is harmless: nothing is
    # fetched and it is not written out again. An internal subset is where entities live.
    if has_internal_subset:
        raise UnsafeSvg(N_("a DOCTYPE with declarations is not allowed in an SVG"))


def _split(name: str) -> tuple[str, str]:
    """Return (namespace, local name) of an expat name "uri local" or "local"."""
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def _external_url(value: str) -> bool:
    return any(not match.group(2).startswith("#") for match in _URL.finditer(value))


def _safe_css(css: str) -> bool:
    return not _UNSAFE_CSS.search(css) and not _external_url(css)


def _keep_attribute(namespace: str, local: str, value: str) -> str | None:
    """Return the attribute's name in the output, or None to drop it."""
    lowered = local.lower()
    if lowered.startswith("on"):
        return None
    if lowered == "href":
        if namespace not in ("", XLINK_NS) or not _SAFE_HREF.fullmatch(value.strip()):
            return None
        return "xlink:href" if namespace == XLINK_NS else "href"
    if namespace == XML_NS:
        return f"xml:{local}" if lowered in ("space", "lang") else None
    if namespace:
        # Editor metadata (inkscape:, sodipodi:) and anything else foreign.
        return None
    if lowered == "style" and not _safe_css(value):
        return None
    if _external_url(value) or "javascript:" in value.lower():
        return None
    return local


class _Builder:
    """Expat callbacks that build the filtered tree."""

    def __init__(self) -> None:
        self.root: _Element | None = None
        self.stack: list[_Element | None] = []  # None: inside a dropped element

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if len(self.stack) >= _MAX_DEPTH:
            raise UnsafeSvg(N_("the SVG is nested too deeply"))
        namespace, local = _split(name)
        if self.root is None and (local != "svg" or namespace not in ("", SVG_NS)):
            raise UnsafeSvg(N_("the root element is <%(name)s>, not <svg>") % {"name": local})
        parent = self.stack[-1] if self.stack else None
        dropped = (self.stack and parent is None) or not self._wanted(namespace, local, attributes)
        if dropped:
            self.stack.append(None)
            return
        kept: dict[str, str] = {}
        for qualified, value in attributes.items():
            attribute_ns, attribute = _split(qualified)
            output = _keep_attribute(attribute_ns, attribute, value)
            if output is not None:
                kept[output] = value
        element = _Element(local, kept)
        if self.root is None:
            self.root = element
        else:
            parent.children.append(element)
        self.stack.append(element)

    @staticmethod
    def _wanted(namespace: str, local: str, attributes: dict[str, str]) -> bool:
        lowered = local.lower()
        if namespace not in ("", SVG_NS) or lowered in _DROPPED:
            return False
        if lowered in _ANIMATIONS:
            target = attributes.get("attributeName", "").rpartition(":")[2].lower()
            return not (target == "href" or target.startswith("on"))
        return True

    def end(self, name: str) -> None:
        element = self.stack.pop()
        if element is not None and element.name.lower() == "style":
            css = "".join(child for child in element.children if isinstance(child, str))
            if not _safe_css(css):
                element.children = []

    def text(self, data: str) -> None:
        if self.stack and self.stack[-1] is not None:
            self.stack[-1].children.append(data)


def _serialise(element: _Element, out: list[str], root: bool = False) -> None:
    attributes = dict(element.attributes)
    if root:
        declarations = {"xmlns": SVG_NS}
        if any(name.startswith("xlink:") for name in _all_attributes(element)):
            declarations["xmlns:xlink"] = XLINK_NS
        attributes = {**declarations, **attributes}
    out.append(f"<{element.name}")
    for name, value in attributes.items():
        out.append(f" {name}={quoteattr(value, {chr(10): '&#10;', chr(9): '&#9;'})}")
    if not element.children:
        out.append("/>")
        return
    out.append(">")
    for child in element.children:
        if isinstance(child, str):
            out.append(escape(child))
        else:
            _serialise(child, out)
    out.append(f"</{element.name}>")


def _all_attributes(element: _Element):
    yield from element.attributes
    for child in element.children:
        if isinstance(child, _Element):
            yield from _all_attributes(child)


def sanitize_svg(data: bytes) -> bytes:
    """Return a safe copy of an SVG document as UTF-8; raise UnsafeSvg when it cannot be one."""
    builder = _Builder()
    parser = expat.ParserCreate(namespace_separator=" ")
    # Entities are where XML bombs and external file reads live; an SVG needs none.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _check_doctype
    parser.EntityDeclHandler = _refuse(N_("an entity declaration is not allowed in an SVG"))
    parser.UnparsedEntityDeclHandler = _refuse(N_("an entity declaration is not allowed in an SVG"))
    parser.ExternalEntityRefHandler = _refuse(N_("an external entity is not allowed in an SVG"))
    parser.SkippedEntityHandler = _refuse(N_("an undefined entity is not allowed in an SVG"))
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        problem = expat.ErrorString(error.code)  # expat's own words, in English
        raise UnsafeSvg(
            N_("the SVG does not parse: %(problem)s, line %(line)s")
            % {"problem": problem, "line": error.lineno}
        ) from None
    if builder.root is None:
        raise UnsafeSvg(N_("the SVG has no <svg> element"))
    # No XML declaration: UTF-8 is what XML assumes without one.
    out: list[str] = []
    _serialise(builder.root, out, root=True)
    return "".join(out).encode("utf-8")
