"""directory models."""
