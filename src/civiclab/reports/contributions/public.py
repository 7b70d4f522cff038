"""public: a "Public results page" link on a public solution's page (core.page_links)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def _is_public(solution: Any, user: Any) -> bool:
    return bool(solution.visibility == "public" and solution.city.visibility == "public")


def register() -> None:
    """Called once from ReportsConfig.ready()."""
    from civiclab.core.page_links import PageLink, contribute

    contribute(
        "solution",
        PageLink(
            key="reports_public_results",
            label=_("Public results page"),
            url_name="reports:public_solution",
            args=lambda solution: (solution.city.slug, solution.pk),
            shown=_is_public,
            order=90,
        ),
    )
