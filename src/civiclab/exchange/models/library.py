"""library models."""
