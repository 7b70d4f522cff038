"""Scoped reads of the funding navigator, one module per area: ``catalogue`` (what opportunities
a person sees), ``pipeline`` (applications, funding leveraged), ``alerts`` (saved searches)."""
