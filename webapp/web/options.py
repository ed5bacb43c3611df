"""Upload options as the upload form and the API send them."""

from __future__ import annotations

from collections.abc import Mapping

# The form field (or query parameter) that asks for remote images to be copied in.
LOCALIZE_IMAGES = "localize_images"
_YES = ("1", "on", "true", "yes")


def asks_localized(values: Mapping) -> bool:
    """Tell whether form fields or query parameters ask for remote images to be copied in."""
    return str(values.get(LOCALIZE_IMAGES, "")).strip().lower() in _YES
