"""pipeline forms."""
