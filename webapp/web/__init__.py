"""The web shell every blueprint shares: htmx detection and the cache of finished pages."""
