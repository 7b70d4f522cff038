"""pipeline schemas."""
