"""PURE (no Django), mypy --strict: what delivery and impact compute without a database."""
