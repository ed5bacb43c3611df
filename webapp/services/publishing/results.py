"""What publishing reports per file: the outcomes and their words."""

from __future__ import annotations

from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
# A result's status besides "draft" and "published": published, but dated later.
SCHEDULED = "scheduled"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, REJECTED)


@dataclass
class FileResult:
    """What happened to one document, or to one file that was refused."""

    name: str  # what the author knows: "notes.md", "posts.zip › _posts/a.md", "pasted text"
    outcome: str  # "created" | "updated" | "unchanged" | "rejected"
    reason: str | None = None  # plain words: why it was rejected, or what an image changed
    slug: str | None = None
    title: str | None = None
    status: str | None = None  # "draft", "published" or "scheduled" for saved files
    warnings: list[str] = field(default_factory=list)
    # Its remote images: which were copied into the site, which stay remote and why.
    images: list[str] = field(default_factory=list)
