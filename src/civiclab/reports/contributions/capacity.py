"""capacity: "Capacity self-assessment" on a city's page, for those who may open it (the
city's people and the network's admins)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def _may_view(city: Any, user: Any) -> bool:
    from civiclab.reports.queries.capacity import may_view

    return bool(user is not None and user.is_authenticated and may_view(user, city))


def register() -> None:
    """Called once from ReportsConfig.ready()."""
    from civiclab.core.page_links import PageLink, contribute

    contribute(
        "city",
        PageLink(
            key="capacity",
            label=_("Capacity self-assessment"),
            url_name="reports:capacity_city",
            args=lambda city: (city.slug,),
            shown=_may_view,
            order=86,
        ),
    )
