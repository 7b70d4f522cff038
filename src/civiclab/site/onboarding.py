"""A new city's first-run checklist, shown on the city's page to its admins only.

The city's page belongs to network, which knows nothing of data, indicators or challenges (the
layers), so the checklist is a panel the composition root contributes to it
(``core.page_links``, registered in ``SiteConfig.ready``). Each step is ticked from the data,
never stored: a team, a second member, a dataset, an indicator, a challenge; each links to the
page that does it. Counts go through each app's scoped query (what the admin may see), and the
panel disappears once every step is done."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Role
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.network.queries import visible_memberships, visible_teams
from civiclab.portfolio.queries import visible_challenges


def is_city_admin(user: Any, city: Any) -> bool:
    """Whether ``user`` is an admin of ``city`` itself (a network admin is not: the checklist
    is the city team's)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return visible_memberships(user).filter(user=user, city=city, role=Role.CITY_ADMIN).exists()


def checklist(city: Any, user: Any) -> list[dict[str, Any]]:
    """The steps, in order: key, label, done, and the URL that does it."""
    members = visible_memberships(user).filter(city=city).count()
    steps = [
        (
            "team",
            _("Create a team"),
            visible_teams(user).filter(city=city).exists(),
            reverse("network:team_new", args=(city.slug,)),
        ),
        (
            "members",
            _("Invite your colleagues"),
            members > 1,
            reverse("network:members", args=(city.slug,)),
        ),
        (
            "dataset",
            _("Import a first dataset"),
            visible_datasets(user).filter(city=city).exists(),
            reverse("datasets:import", args=(city.slug,)),
        ),
        (
            "indicator",
            _("Build a first indicator"),
            visible_indicators(user).filter(city=city).exists(),
            reverse("indicators:new", args=(city.slug,)),
        ),
        (
            "challenge",
            _("Describe a first challenge"),
            visible_challenges(user).filter(city=city).exists(),
            f"{reverse('portfolio:challenge_new')}?city={city.slug}",
        ),
    ]
    return [{"key": k, "label": label, "done": done, "url": url} for k, label, done, url in steps]


def panel_context(city: Any, user: Any) -> dict[str, Any] | None:
    """The panel's context, or None (nothing shown) for anyone but the city's admins, or once
    every step is done."""
    if not is_city_admin(user, city):
        return None
    steps = checklist(city, user)
    done = sum(1 for step in steps if step["done"])
    if done == len(steps):
        return None
    return {"city": city, "steps": steps, "done": done, "total": len(steps)}
