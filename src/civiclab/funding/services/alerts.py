"""Saved searches, digests and their email."""
