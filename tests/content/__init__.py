"""Tests for webapp.content."""
