"""Values every page's layout needs: the navigation and the user's cities."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The portfolio's pages outside /portfolio/ belong to the Challenges tab too.
PORTFOLIO_PATHS = (
    "/challenges/",
    "/evidence/",
    "/causes/",
    "/opportunities/",
    "/ideas/",
    "/solutions/",
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    sections = [
        ("network", _("Network"), reverse("network:overview")),
        ("city", _("City"), reverse("network:my_city")),
        ("challenges", _("Challenges"), reverse("portfolio:table")),
        ("data", _("Data"), reverse("datasets:catalogue")),
        ("funding", _("Funding"), reverse("core:section", args=["funding"])),
        ("exchange", _("Exchange"), reverse("core:section", args=["exchange"])),
    ]
    path = request.path
    current = next((key for key, _label, url in sections if path.startswith(url)), None)
    if path.startswith(PORTFOLIO_PATHS):
        current = "challenges"
    if path.startswith("/cities/"):
        # A city's data pages belong to the Data tab; its other pages to the City tab.
        current = "data" if "/data/" in path else "city"
    return {"nav_sections": sections, "nav_current": current}
