"""alerts forms."""
