"""catalogue schemas."""
