"""search schemas."""
