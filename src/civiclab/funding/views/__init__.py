"""The funding pages, one module per area."""
