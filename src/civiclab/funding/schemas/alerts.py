"""alerts schemas."""
