"""forks models."""
