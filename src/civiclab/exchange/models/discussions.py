"""discussions models."""
