"""dashboard: the links and panels this area puts on lower apps' pages (core.page_links)."""

from __future__ import annotations


def register() -> None:
    """Called once from ReportsConfig.ready()."""
