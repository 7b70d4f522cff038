"""The work of each ``civiclab funding`` sub-command: (options) → (JSON result, text)."""
