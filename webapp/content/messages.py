"""The marker of report texts: reasons and warnings stay English and are translated when shown.

An upload's report is stored (a job's files) and printed by the CLI in English; the web
pages and the API translate it for their reader (webapp/web/reasons.py) by matching the text
against these templates, which pybabel extracts (keyword N_) into the catalogs.
"""

from __future__ import annotations

# Slots whose values are report texts in turn ("front matter: <a reason>", a further reason
# after "; ", a list of URLs that may end "and 3 more", "2 articles: …"): they are
# translated too. Every other slot (a file name, an address, a size) is shown as it is.
NESTED_SLOTS = frozenset({"reason", "error", "more", "urls", "articles"})


def N_(template: str) -> str:
    """Mark a report template for translation on display; return it unchanged."""
    return template
