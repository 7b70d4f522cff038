"""convenings models."""
