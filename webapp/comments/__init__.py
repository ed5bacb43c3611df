"""Readers' comments: the form, posting, preview and unsubscribing (views.py)."""
