"""Funding leveraged: the network's page (its headline number by city, cohort, priority area
and year, each a link to the applications it counts) and the panels on the solution's, the
challenge's and the city's pages. Every number is of the applications the reader may see
(``funding.queries.pipeline``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from civiclab.funding import labels
from civiclab.funding.queries import pipeline as queries
from civiclab.funding.queries.profile import home_city
from civiclab.network.queries import visible_networks


def network_leveraged(request: HttpRequest) -> HttpResponse:
    """The network's funding leveraged (``?network=`` slug, default the reader's own), and
    the awarded applications one of its numbers counts (``city``, ``cohort``, ``priority``,
    ``year``)."""
    networks = visible_networks(request.user)
    network: Any
    slug = request.GET.get("network", "")
    if slug:
        network = get_object_or_404(networks, slug=slug)
    else:
        city = home_city(request.user)
        network = city.network if city is not None else networks.order_by("name").first()
        if network is None:
            raise Http404
    breakdown = queries.network_breakdown(request.user, network)
    filters = _filters(request)
    counted = None
    if filters:
        counted = queries.network_counted(request.user, network, **filters)
    return render(
        request,
        "funding/leveraged.html",
        {
            "network": network,
            "breakdown": breakdown,
            "priorities": [(p, labels.priority_label(p), t) for p, t in breakdown.by_priority],
            "counted": counted,
            "filters": filters,
        },
    )


def _filters(request: HttpRequest) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("city", "cohort"):
        value = request.GET.get(name, "")
        if value:
            found[name] = value[:50]
    if "priority" in request.GET:
        found["priority"] = request.GET["priority"][:32]
    year = request.GET.get("year", "")
    if year:
        if not year.isdigit() or len(year) != 4:
            raise Http404
        found["year"] = int(year)
    return found


def panel_context(scope: str, obj: Any, user: Any) -> dict[str, Any] | None:
    """A page's funding leveraged panel: its totals and the awards behind them, or None (no
    panel) when the reader sees no award there."""
    applications = queries.counted_in(user, scope, obj)
    totals = queries.totals(applications)
    if not totals:
        return None
    # The panel names each award's city only: the list's other relations (seven joins)
    # cost PostgreSQL more to plan than to run.
    awarded = list(
        queries.awarded(applications)
        .select_related(None)
        .select_related("city")
        .order_by("-decided_on", "pk")[:20]
    )
    return {"totals": totals, "awards": awarded, "panel_id": f"{scope}-{obj.pk}", "scope": scope}
