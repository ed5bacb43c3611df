"""Split YAML (---) or TOML (+++) front matter from a Markdown document."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass

import yaml

from .messages import N_
from .shape import MAX_DEPTH, ShapeError, measure
from .yamlload import TOO_DEEP, YamlLimitError, load_yaml

FENCES = {"---": ("---", "..."), "+++": ("+++",)}


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
        return load_yaml(text)
    except YamlLimitError as error:
        raise FrontMatterError(first_line + error.line, error.message) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(error, "problem", None) or str(error)
        raise FrontMatterError(line, problem) from error


def _parse_toml(text: str, first_line: int) -> dict:
    try:
        value = tomllib.loads(text)
    except RecursionError:
        # tomllib recurses into each nested array and inline table.
        raise FrontMatterError(first_line, TOO_DEEP) from None
    except tomllib.TOMLDecodeError as error:
        # Python 3.11 puts the position only in the message: "Invalid value (at line 2, ...)".
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        lineno = int(found.group(1)) if found else 1
        message = str(error)[: found.start()].strip() if found else str(error)
        raise FrontMatterError(first_line + lineno - 1, message) from error
    except ValueError as error:  # an integer of more digits than Python converts
        raise FrontMatterError(first_line, str(error)) from None
    try:
        # [a.b.c.…] table headers nest without recursing, so the depth is checked here.
        measure(value, _toml_children, lambda _item: 1, MAX_DEPTH)
    except ShapeError:
        raise FrontMatterError(first_line, TOO_DEEP) from None
    return value


def _toml_children(value: object) -> list:
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else []


def _jsonable(value: object) -> object:
    """Turn dates, sets, bytes and nested containers into JSON-friendly values for storage.

    The value is acyclic and at most MAX_DEPTH deep (checked when it was parsed), so
    recursing is safe.
    """
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):  # YAML's !!set
        return sorted((_jsonable(item) for item in value), key=str)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):  # YAML's !!binary
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN or infinity: PostgreSQL refuses them in a json column.
        return str(value)
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
