"""The reports app's pages and API: one module per area."""
