"""keyfacts: "Key facts" on a city's page, narrowed to the city (core.page_links)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Called once from ReportsConfig.ready()."""
    from civiclab.core.page_links import PageLink, contribute

    contribute(
        "city",
        PageLink(
            key="keyfacts",
            label=_("Key facts"),
            url_name="reports:keyfacts",
            args=lambda city: (),
            query=lambda city: {"city": city.slug, "group": "year"},
            order=85,
        ),
    )
