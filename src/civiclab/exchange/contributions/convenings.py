"""convenings: the upcoming convenings of a city's network and cohorts, on the city's page
(the network has no cohort page: the city's is where its cohorts show)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from civiclab.core.page_links import PagePanel, contribute_panel

PANEL_SIZE = 5


def _city_panel(city: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.exchange.queries import convenings as queries

    found = queries.upcoming(
        queries.visible_convenings(user).filter(
            Q(cohort__isnull=True, network_id=city.network_id)
            | Q(cohort__in=city.cohorts.values("pk"))
        )
    )
    convenings = list(found[:PANEL_SIZE])
    if not convenings:
        return None
    return {"convenings": convenings, "city": city}


def register() -> None:
    """The panel on the city's page."""
    contribute_panel(
        "city",
        PagePanel(
            key="exchange-convenings",
            template="exchange/convenings/partials/city_panel.html",
            context=_city_panel,
            order=70,
        ),
    )
