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


def navigation(request: HttpRequest) -> dict[str, Any]:
    sections = [
        ("network", _("Network"), reverse("network:overview")),
        ("city", _("City"), reverse("network:my_city")),
        ("challenges", _("Challenges"), reverse("portfolio:table")),
        ("data", _("Data"), reverse("datasets:catalogue")),
        ("funding", _("Funding"), reverse("funding:catalogue")),
        ("exchange", _("Exchange"), reverse("site:section", args=["exchange"])),
    ]
    return {"nav_sections": sections, "nav_current": current_section(request)}
