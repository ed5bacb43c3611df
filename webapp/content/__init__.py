"""Turning rendered articles into text, excerpts and metadata."""
