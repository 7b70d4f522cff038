"""similar models."""
