"""search forms."""
