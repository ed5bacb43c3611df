"""Upload options as the upload form and the API send them."""

from __future__ import annotations

from collections.abc import Mapping

# The form field (or query parameter) that asks for remote images to be copied in.
LOCALIZE_IMAGES = "localize_images"
# The form field (or query parameter) that marks a save as a minor edit: the article
# keeps its update date and its place in LATEST UPDATES.
MINOR_EDIT = "minor"
_YES = ("1", "on", "true", "yes")


def asks_localized(values: Mapping) -> bool:
    """Tell whether form fields or query parameters ask for remote images to be copied in."""
    return str(values.get(LOCALIZE_IMAGES, "")).strip().lower() in _YES


def asks_minor(values: Mapping) -> bool:
    """Tell whether form fields or query parameters mark the save as a minor edit."""
    return str(values.get(MINOR_EDIT, "")).strip().lower() in _YES
