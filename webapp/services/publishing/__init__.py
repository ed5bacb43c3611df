"""The write path: Markdown documents in, stored articles out.

prepare renders a document with its images (pure, so it runs in a pool too); writer puts
rendered documents into articles and commits them; single publishes one document in its
own transaction; bulk publishes many, rendered ahead in a pool and written in batches.
"""

from .bulk import Document, Publisher, Refusal
from .pool import RenderPool
from .prepare import Prepared, Task, prepare
from .remote import FetchBudget, FetchPlan
from .results import CREATED, OUTCOMES, REJECTED, UNCHANGED, UPDATED, FileResult
from .single import PublishResult, publish, rerender
from .writer import RENDER_VERSION, ArticleWriter, Conflict, linked_images

__all__ = [
    "CREATED",
    "OUTCOMES",
    "REJECTED",
    "RENDER_VERSION",
    "UNCHANGED",
    "UPDATED",
    "ArticleWriter",
    "Conflict",
    "Document",
    "FetchBudget",
    "FetchPlan",
    "FileResult",
    "Prepared",
    "PublishResult",
    "Publisher",
    "Refusal",
    "RenderPool",
    "Task",
    "linked_images",
    "prepare",
    "publish",
    "rerender",
]
