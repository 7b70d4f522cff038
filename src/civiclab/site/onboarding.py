"""A new city's first-run checklist, shown on the city's page to its admins only.

The city's page belongs to network, which knows nothing of data, indicators or challenges (the
layers), so the checklist is a panel the composition root contributes to it
(``core.page_links``, registered in ``SiteConfig.ready``). Each step is ticked from the data,
never stored: a team, a colleague, a dataset, an indicator, a challenge; each links to the
page that does it. Counts go through each app's scoped query (what the admin may see), and the
panel disappears once every step is done."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Role
from civiclab.core.scoping import actor_for
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.network.queries import visible_memberships, visible_teams
from civiclab.portfolio.queries import visible_challenges


def checklist(city: Any, user: Any) -> tuple[bool, list[dict[str, Any]]]:
    """Whether ``user`` is an admin of ``city`` itself (a network admin is not: the list is the
    city team's), and the steps in order: key, label, done, and the URL that does it. One
    query: each is an EXISTS over the app's scoped query (what ``user`` may see) for this city."""
    here = OuterRef("pk")
    found: Mapping[str, object] = (
        City.objects.filter(pk=city.pk)
        .annotate(
            admin=Exists(
                visible_memberships(user).filter(city=here, user=user, role=Role.CITY_ADMIN)
            ),
            team=Exists(visible_teams(user).filter(city=here)),
            # A colleague: someone besides the admin looking at the list.
            members=Exists(visible_memberships(user).filter(city=here).exclude(user=user)),
            dataset=Exists(visible_datasets(user).filter(city=here)),
            indicator=Exists(visible_indicators(user).filter(city=here)),
            challenge=Exists(visible_challenges(user).filter(city=here)),
        )
        .values("admin", "team", "members", "dataset", "indicator", "challenge")
        .first()
    ) or {}
    steps = [
        ("team", _("Create a team"), reverse("network:team_new", args=(city.slug,))),
        ("members", _("Invite your colleagues"), reverse("network:members", args=(city.slug,))),
        ("dataset", _("Import a first dataset"), reverse("datasets:import", args=(city.slug,))),
        ("indicator", _("Build a first indicator"), reverse("indicators:new", args=(city.slug,))),
        (
            "challenge",
            _("Describe a first challenge"),
            f"{reverse('portfolio:challenge_new')}?city={city.slug}",
        ),
    ]
    return bool(found.get("admin")), [
        {"key": key, "label": label, "done": bool(found.get(key)), "url": url}
        for key, label, url in steps
    ]


def panel_context(city: Any, user: Any) -> dict[str, Any] | None:
    """The panel's context, or None (nothing shown) for anyone but the city's admins, or once
    every step is done."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Whether they administer the city is in their memberships, read once per request
    # (core.scoping.actor_for): everyone else's city page asks nothing more for the panel.
    if not any(g.city_id == city.pk and g.role == Role.CITY_ADMIN for g in actor_for(user).grants):
        return None
    admin, steps = checklist(city, user)
    if not admin:
        return None
    done = sum(1 for step in steps if step["done"])
    if done == len(steps):
        return None
    return {"city": city, "steps": steps, "done": done, "total": len(steps)}
