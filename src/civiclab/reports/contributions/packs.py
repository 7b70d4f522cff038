"""packs: the links and panels this area puts on lower apps' pages (core.page_links): the
solution page's panel of the open actions and recent decisions of the reviews its reader
reads."""

from __future__ import annotations

from typing import Any


def _panel(solution: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.reports.queries.packs import items_of_solution

    if not getattr(user, "is_authenticated", False):
        return None
    items = items_of_solution(user, solution)
    if not items["actions"] and not items["decisions"]:
        return None
    return {**items, "panel_id": f"solution-{solution.pk}"}


def register() -> None:
    """Called once from ReportsConfig.ready()."""
    from civiclab.core.page_links import PagePanel, contribute_panel

    contribute_panel(
        "solution",
        PagePanel(key="reports_review_items", template="reports/packs/panel.html",
                  context=_panel, order=70),
    )  # fmt: skip
