"""Split YAML (---) or TOML (+++) front matter from a Markdown document."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass

import yaml

from .messages import N_

FENCES = {"---": ("---", "..."), "+++": ("+++",)}
# libyaml's parser when PyYAML was built with it (its wheels are): about ten times faster,
# and the same safe constructors, so the same values come out.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterError(ValueError):
    """Front matter that is present but cannot be parsed."""

    def __init__(self, line: int, message: str):
        text = N_("front matter, line %(line)s: %(message)s")
        super().__init__(text % {"line": line, "message": message})
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Document:
    """A Markdown document split into its metadata and its body."""

    meta: dict
    body: str


def _closing_line(lines: list[str], closers: tuple[str, ...]) -> int | None:
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in closers:
            return index
    return None


def _parse_yaml(text: str, first_line: int) -> object:
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(error, "problem", None) or str(error)
        raise FrontMatterError(line, problem) from error


def _parse_toml(text: str, first_line: int) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11 puts the position only in the message: "Invalid value (at line 2, ...)".
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        lineno = int(found.group(1)) if found else 1
        message = str(error)[: found.start()].strip() if found else str(error)
        raise FrontMatterError(first_line + lineno - 1, message) from error


def _jsonable(value: object) -> object:
    """Turn dates and nested containers into JSON-friendly values for storage."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def split_front_matter(text: str) -> Document:
    """Return the document's metadata (JSON-friendly) and body; raise FrontMatterError if broken.

    Line ends must already be normalised to \\n. A leading --- only opens front matter when
    a closing fence follows and the block parses to a mapping, so a document that starts
    with a horizontal rule keeps its content.
    """
    lines = text.split("\n")
    opener = lines[0].rstrip() if lines else ""
    if opener not in FENCES:
        return Document({}, text)
    closing = _closing_line(lines, FENCES[opener])
    if closing is None:
        return Document({}, text)
    block = "\n".join(lines[1:closing])
    if opener == "+++":
        meta = _parse_toml(block, first_line=2)
    else:
        meta = _parse_yaml(block, first_line=2)
        if meta is None and not block.strip():
            meta = {}
        if not isinstance(meta, dict):
            return Document({}, text)
    body = "\n".join(lines[closing + 1 :])
    return Document(_jsonable(meta), body)
