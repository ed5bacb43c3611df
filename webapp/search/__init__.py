"""The reader's search page: /search, and its htmx fragments for live search and load-more."""
