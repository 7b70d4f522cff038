"""Maintenance scripts (run with ``uv run python scripts/NAME.py``), importable by the tests."""
