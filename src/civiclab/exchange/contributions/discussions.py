"""discussions: the threads on an object, as a panel on its page (core.page_links)."""

from __future__ import annotations

from typing import Any

from civiclab.core.page_links import PagePanel, contribute_panel

# The pages that show their object's threads: the page's name is its kind's.
PAGES = ("challenge", "idea", "solution", "case")


def _panel(kind_name: str) -> Any:
    def context(obj: Any, user: Any) -> dict[str, Any] | None:
        from civiclab.exchange import kinds
        from civiclab.exchange.queries import discussions as queries

        if not getattr(user, "is_authenticated", False) or kind_name not in kinds.names():
            return None
        threads = list(queries.threads_on(user, kind_name, obj.pk)[:20])
        # The reader sees the page; whether they are of the thread's network is the
        # services' question when they start one (the form's page answers 404 otherwise).
        networks = queries.member_networks(user)
        if not threads and not networks:
            return None
        from civiclab.network.models import City

        city = City.objects.filter(pk=kinds.kind(kind_name).city_id(obj)).first()
        network_id = city.network_id if city else None
        return {
            "threads": threads,
            "panel_kind": kind_name,
            "panel_target": obj.pk,
            "may_write": network_id in networks and queries.may_write_in(user, network_id),
        }

    return context


def register() -> None:
    """A "Discussions" panel on each page of a kind that threads may be about."""
    for page in PAGES:
        contribute_panel(
            page,
            PagePanel(
                key="discussions",
                template="exchange/discussions/partials/panel.html",
                context=_panel(page),
                order=80,
            ),
        )
