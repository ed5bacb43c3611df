"""Read comments from other engines' exports: WordPress WXR, Waline and Twikoo JSON.

Each reader returns the threads of one file as `Target`s (the page the comments were
under, as the source names it, and its comments as records); matching.py finds the
article. Readers only read: a file they cannot read raises ForeignFormatError, before
anything is stored.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from ...content.messages import N_
from ...models import COMMENT_APPROVED, COMMENT_PENDING, COMMENT_SPAM
from .records import CommentRecord

# WordPress's comment_approved values; "trash" and unknown ones are not brought over.
_WP_STATUS = {"1": COMMENT_APPROVED, "approve": COMMENT_APPROVED, "0": COMMENT_PENDING,
              "hold": COMMENT_PENDING, "spam": COMMENT_SPAM}  # fmt: skip
_WALINE_STATUS = {"approved": COMMENT_APPROVED, "waiting": COMMENT_PENDING, "spam": COMMENT_SPAM}
# Pingbacks and trackbacks are other sites' notices, not readers' comments.
_WP_SKIPPED_TYPES = {"pingback", "trackback"}
# WordPress items that are not posts or pages (their comments are rare and have no place).
_WP_SKIPPED_POSTS = {"attachment", "nav_menu_item", "revision"}


class ForeignFormatError(ValueError):
    """A file that is not a readable WXR, Waline or Twikoo export; str() is a report (N_)."""


@dataclass
class Target:
    """The page a group of comments was under, as the export names it, and its comments."""

    address: str | None  # the page's URL or path
    slug: str | None = None
    title: str | None = None
    records: list[CommentRecord] = field(default_factory=list)

    def label(self) -> str:
        """Return how a report names the page: its address, else its title or slug."""
        return self.address or self.title or self.slug or "?"


def read_file(path: Path, timezone: ZoneInfo) -> tuple[str, list[Target]]:
    """Return the format ("WordPress", "Waline", "Twikoo") and the targets of a file."""
    data = path.read_bytes()
    if path.suffix.lower() == ".xml" or data.lstrip()[:1] == b"<":
        return "WordPress", read_wxr(data, timezone)
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        unreadable = N_("not JSON or WordPress XML (%(detail)s)")
        raise ForeignFormatError(unreadable % {"detail": error}) from error
    waline = _waline_comments(parsed)
    if waline is not None:
        return "Waline", read_waline(waline)
    twikoo = parsed.get("data") if isinstance(parsed, dict) else parsed
    if isinstance(twikoo, list) and all(_is_twikoo(item) for item in twikoo):
        return "Twikoo", read_twikoo(twikoo)
    raise ForeignFormatError(
        N_("not a Waline export (data.Comment) or a Twikoo export (a list of comments)")
    )


# WordPress eXtended RSS ---------------------------------------------------------------


def _local(tag: str) -> str:
    """Return an element's name without its namespace ({…/export/1.2/}post_name → post_name)."""
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element) -> dict[str, ET.Element]:
    return {_local(child.tag): child for child in element}


def _text(fields: dict[str, ET.Element], name: str) -> str:
    found = fields.get(name)
    return (found.text or "").strip() if found is not None else ""


def read_wxr(data: bytes, timezone: ZoneInfo) -> list[Target]:
    """Return the commented posts and pages of a WordPress export (WXR 1.0 to 1.2)."""
    # Expat (2.4 and later) caps entity expansion, and ElementTree loads no external entity.
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ForeignFormatError(N_("not readable XML (%(detail)s)") % {"detail": error}) from error
    channel = root.find("channel")
    if _local(root.tag) != "rss" or channel is None:
        raise ForeignFormatError(N_("not a WordPress export (no rss channel)"))
    targets = []
    for item in channel.iter("item"):
        fields = _children(item)
        if _text(fields, "post_type") in _WP_SKIPPED_POSTS:
            continue
        records = [
            record
            for element in item
            if _local(element.tag) == "comment"
            for record in [_wxr_comment(_children(element), timezone)]
            if record is not None
        ]
        if records:
            targets.append(
                Target(
                    address=_text(fields, "link") or None,
                    slug=unquote(_text(fields, "post_name")) or None,
                    title=_text(fields, "title") or None,
                    records=records,
                )
            )
    return targets


def _wxr_comment(fields: dict[str, ET.Element], timezone: ZoneInfo) -> CommentRecord | None:
    """Return a WXR comment as a record, or None for pingbacks, trash and the unknown."""
    status = _WP_STATUS.get(_text(fields, "comment_approved"))
    if status is None or _text(fields, "comment_type") in _WP_SKIPPED_TYPES:
        return None
    parent = _text(fields, "comment_parent")
    return CommentRecord(
        key=_text(fields, "comment_id"),
        parent_key=parent if parent not in ("", "0") else None,
        name=_text(fields, "comment_author"),
        email=_text(fields, "comment_author_email") or None,
        website=_text(fields, "comment_author_url") or None,
        created_at=_wp_time(fields, timezone),
        status=status,
        text=_wp_html(_text(fields, "comment_content")),
        is_html=True,
        by_author=_text(fields, "comment_user_id") not in ("", "0"),
    )


def _wp_time(fields: dict[str, ET.Element], timezone: ZoneInfo) -> datetime:
    """Return a WXR comment's time in naive UTC: its GMT time, else its local one."""
    for name, zone in (("comment_date_gmt", UTC), ("comment_date", timezone)):
        try:
            moment = datetime.strptime(_text(fields, name), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue  # absent, or WordPress's "0000-00-00 00:00:00"
        return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    raise ForeignFormatError(
        N_("comment %(id)s has no readable date") % {"id": _text(fields, "comment_id")}
    )


def _wp_html(content: str) -> str:
    """Return WordPress comment text as HTML: its blank lines are paragraphs (as wpautop)."""
    if re.search(r"<p[\s>]", content):
        return content
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", content) if part.strip()]
    return "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs)


# Waline and Twikoo --------------------------------------------------------------------


def _waline_comments(parsed: object) -> list | None:
    """Return the Comment table of a Waline export (its data, or the API's answer), or None."""
    for _ in range(2):  # {"data": {"Comment": [...]}} or {"data": {"data": {"Comment": ...}}}
        if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), dict):
            return None
        parsed = parsed["data"]
        if isinstance(parsed.get("Comment"), list):
            return parsed["Comment"]
    return None


def _is_twikoo(item: object) -> bool:
    return isinstance(item, dict) and "comment" in item and "url" in item


def _field(item: dict, *names: str) -> str | None:
    for name in names:
        value = item.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def _json_time(value: object) -> datetime:
    """Return naive UTC from milliseconds since 1970 or an ISO or "Y-m-d H:M:S" text (UTC)."""
    if isinstance(value, dict) and "$date" in value:  # MongoDB extended JSON
        value = value["$date"]
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError) as error:
        unreadable = N_("cannot read %(value)s as a time")
        raise ForeignFormatError(unreadable % {"value": repr(value)[:80]}) from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _group(items: list[tuple[str | None, CommentRecord]]) -> list[Target]:
    targets: dict[str, Target] = {}
    for address, record in items:
        key = address or ""
        targets.setdefault(key, Target(address=address)).records.append(record)
    return list(targets.values())


def _checked(item: object, source: str) -> dict:
    if not isinstance(item, dict):
        raise ForeignFormatError(N_("%(source)s: a comment is not an object") % {"source": source})
    if not isinstance(item.get("comment"), str):
        missing = N_("%(source)s: comment %(id)s has no text")
        raise ForeignFormatError(
            missing % {"source": source, "id": _field(item, "objectId", "_id", "id")}
        )
    return item


def read_waline(comments: list) -> list[Target]:
    """Return a Waline export's comments by page (their text is Markdown)."""
    items = []
    for raw in comments:
        item = _checked(raw, "Waline")
        status = _WALINE_STATUS.get(str(item.get("status") or "approved"))
        if status is None:
            continue
        record = CommentRecord(
            key=_field(item, "objectId", "id", "_id") or "",
            parent_key=_field(item, "pid"),
            name=_field(item, "nick") or "",
            email=_field(item, "mail"),
            website=_field(item, "link"),
            created_at=_json_time(item.get("insertedAt") or item.get("createdAt")),
            status=status,
            text=item["comment"],
        )
        items.append((_field(item, "url"), record))
    return _group(items)


def read_twikoo(comments: list) -> list[Target]:
    """Return a Twikoo export's comments by page (their text is HTML)."""
    items = []
    for raw in comments:
        item = _checked(raw, "Twikoo")
        record = CommentRecord(
            key=_field(item, "_id", "id") or "",
            parent_key=_field(item, "pid"),
            name=_field(item, "nick") or "",
            email=_field(item, "mail"),
            website=_field(item, "link"),
            created_at=_json_time(item.get("created")),
            status=COMMENT_SPAM if item.get("isSpam") else COMMENT_APPROVED,
            text=item["comment"],
            is_html=True,
            by_author=bool(item.get("master")),
        )
        items.append((_field(item, "url", "href"), record))
    return _group(items)
