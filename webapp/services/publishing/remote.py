"""Copying a document's remote images into the site at import, within the upload's limits.

The upload's budget (images and time) lives in the process that publishes; each document
gets a FetchPlan, its share, which travels with its Task into a pool process where a
Downloader spends it while the document renders. What a document did not use goes back.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ...content.images import ImageFile, RemoteImageError, UnsupportedImage, image_file
from ...content.messages import N_
from ..imagefetch import FetchError, FetchLimits, fetch

# Every remote URL (http://, https://, //) holds this once at least, written plainly or as
# HTML entities, so its count bounds the images a document may download.
_URL_MARK = "//"


@dataclass(frozen=True)
class FetchPlan:
    """What one document may download: a number of images and a time to do it in."""

    limits: FetchLimits
    max_images: int  # the document's share of the upload's images
    limit_reason: str  # the report's words when that share is spent
    document_seconds: float
    deadline: float  # time.time() when the upload's downloads stop


class Downloader:
    """Downloads a document's remote images for its ImageCollector, within its plan."""

    def __init__(self, plan: FetchPlan) -> None:
        self.plan = plan
        self.started = 0  # downloads begun, successful or not
        self.end = min(time.time() + plan.document_seconds, plan.deadline)

    def __call__(self, url: str) -> ImageFile:
        """Return the image at url, checked like an uploaded one; raise RemoteImageError."""
        if self.started >= self.plan.max_images:
            raise RemoteImageError(self.plan.limit_reason)
        if time.time() >= self.end:
            late = self.end >= self.plan.deadline
            raise RemoteImageError(
                N_("no time left for the upload's downloads")
                if late
                else N_("no time left for this document's downloads")
            )
        self.started += 1
        try:
            data = fetch(url, self.plan.limits, deadline=self.end)
            return image_file(data)
        except FetchError as error:
            raise RemoteImageError(str(error)) from None
        except UnsupportedImage as error:
            raise RemoteImageError(N_("not an image: %(error)s") % {"error": error}) from None


class FetchBudget:
    """The downloads one upload may make, shared out to its documents in order."""

    def __init__(
        self,
        limits: FetchLimits,
        *,
        per_document: int,
        per_upload: int,
        document_seconds: float,
        upload_seconds: float,
    ) -> None:
        self.limits = limits
        self.per_document = per_document
        self.per_upload = per_upload
        self.left = per_upload
        self.document_seconds = document_seconds
        self.deadline = time.time() + upload_seconds

    @classmethod
    def from_config(cls, config: Mapping) -> FetchBudget:
        """Read the IMAGE_FETCH_* settings."""
        return cls(
            FetchLimits.from_config(config),
            per_document=int(config["IMAGE_FETCH_MAX_PER_DOCUMENT"]),
            per_upload=int(config["IMAGE_FETCH_MAX_PER_UPLOAD"]),
            document_seconds=float(config["IMAGE_FETCH_DOCUMENT_SECONDS"]),
            upload_seconds=float(config["IMAGE_FETCH_UPLOAD_SECONDS"]),
        )

    @classmethod
    def for_request(cls, config: Mapping) -> FetchBudget:
        """The budget of downloads made inside a web request (a small upload, the API).

        They all stop by IMAGE_FETCH_REQUEST_SECONDS, so the request answers well within
        the server's timeout (gunicorn's 30 s); what is left stays remote and is reported.
        """
        budget = cls.from_config(config)
        cap = float(config["IMAGE_FETCH_REQUEST_SECONDS"])
        budget.document_seconds = min(budget.document_seconds, cap)
        budget.deadline = min(budget.deadline, time.time() + cap)
        return budget

    def plan(self, text: str) -> FetchPlan:
        """Set aside a document's share: no more than it could use, so none is wasted.

        Documents render ahead in a pool, several at once; a share set aside before each
        starts keeps the upload's total within its limit whatever order they finish in.
        """
        wanted = min(self.per_document, html.unescape(text).count(_URL_MARK))
        share = min(wanted, self.left)
        self.left -= share
        if share < wanted:
            limit = N_("the limit of %(limit)s downloaded images per upload is reached")
            reason = limit % {"limit": self.per_upload}
        else:
            limit = N_("the limit of %(limit)s downloaded images per document is reached")
            reason = limit % {"limit": self.per_document}
        return FetchPlan(self.limits, share, reason, self.document_seconds, self.deadline)

    def settle(self, plan: FetchPlan, used: int) -> None:
        """Give back the part of a document's share it did not use."""
        self.left += max(plan.max_images - used, 0)
