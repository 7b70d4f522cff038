"""Values every page's layout needs: the navigation and the user's cities."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The tab of each URL namespace (see urls.py): a page belongs to the area it was reached from,
# so indicators, maps and spatial analyses sit under Data with the datasets they are made of.
NAMESPACE_TABS = {
    "datasets": "data",
    "indicators": "data",
    "geo": "data",
    "portfolio": "challenges",
    "evaluation": "challenges",
    "funding": "funding",
    "network": "city",
    "exchange": "exchange",
    "reports": "delivery",
}
# Pages whose tab differs from their namespace's.
VIEW_TABS = {
    "network:overview": "network",
    "network:audit": "network",
}


def current_section(request: HttpRequest) -> str | None:
    """The navigation tab a page belongs to, from the name of the URL it resolved to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.view_name == "site:section":
        return str(match.kwargs.get("name"))
    return VIEW_TABS.get(match.view_name, NAMESPACE_TABS.get(match.namespace))


def exchange_links() -> list[tuple[str, Any, str]]:
    """The Exchange tab's sub-links: (URL name, label, URL)."""
    return [
        ("exchange:library", _("Case library"), reverse("exchange:library")),
        ("exchange:discussions", _("Discussions"), reverse("exchange:discussions")),
        ("exchange:convenings", _("Convenings"), reverse("exchange:convenings")),
        ("exchange:directory", _("Directory"), reverse("exchange:directory")),
        ("exchange:metrics", _("Shared metrics"), reverse("exchange:metrics")),
    ]


def delivery_links() -> list[tuple[str, Any, str]]:
    """The Delivery tab's sub-links: (URL name, label, URL)."""
    return [
        ("reports:dashboard", _("Dashboard"), reverse("reports:dashboard")),
        ("reports:reviews", _("Reviews"), reverse("reports:reviews")),
        ("reports:nudges", _("Needs updating"), reverse("reports:nudges")),
        ("reports:keyfacts", _("Key facts"), reverse("reports:keyfacts")),
        ("reports:capacity", _("Capacity"), reverse("reports:capacity")),
        ("reports:public_index", _("Public results"), reverse("reports:public_index")),
    ]


class UnreadCount:
    """The signed-in user's unread discussion items, read (one query) only when the layout
    shows the badge: partials rendered for htmx, which have no navigation, never pay for it."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: int | None = None

    def __call__(self) -> int:
        if self.value is None:
            from civiclab.exchange.queries.discussions import unread_count

            self.value = unread_count(self.user)
        return self.value


# The tabs that have sub-links, and where they come from.
SUBLINKS = {"exchange": exchange_links, "delivery": delivery_links}


def navigation(request: HttpRequest) -> dict[str, Any]:
    sections = [
        ("network", _("Network"), reverse("network:overview")),
        ("city", _("City"), reverse("network:my_city")),
        ("challenges", _("Challenges"), reverse("portfolio:table")),
        ("data", _("Data"), reverse("datasets:catalogue")),
        ("funding", _("Funding"), reverse("funding:catalogue")),
        ("exchange", _("Exchange"), reverse("exchange:library")),
        ("delivery", _("Delivery"), reverse("reports:dashboard")),
    ]
    current = current_section(request)
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)  # absent when the auth middleware did not run
    return {
        "nav_sections": sections,
        "nav_current": current,
        # the sub-links of the current tab
        "nav_sublinks": SUBLINKS[current]() if current in SUBLINKS else [],
        "nav_view": match.view_name if match is not None else "",
        "nav_unread": UnreadCount(user) if getattr(user, "is_authenticated", False) else None,
    }
