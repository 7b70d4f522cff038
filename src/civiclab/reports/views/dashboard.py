"""dashboard: the city's home as a dashboard (also rendered at ``/`` for members) and the
status override of a solution."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from civiclab.core.scoping import actor_for
from civiclab.network.models import City
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible
from civiclab.reports.forms.dashboard import OverrideForm
from civiclab.reports.queries import dashboard as queries
from civiclab.reports.services.dashboard import override_status

CITY_SLUG_LIMIT = 100
CONTENT = "reports/dashboard/content.html"
NO_CITY = "-"  # cached for a user who belongs to no city


def dashboard_context(request: HttpRequest) -> dict[str, Any] | None:
    """What the dashboard shows ``request.user`` (None: they belong to no city)."""
    user = request.user
    cities, network_view = queries.dashboard_cities(user)
    wanted = request.GET.get("city", "")[:CITY_SLUG_LIMIT]
    if wanted:
        from civiclab.network.queries import visible_cities

        city = visible_cities(user).filter(slug=wanted).select_related("network").first()
        if city is None:
            raise Http404
        return city_context(user, city, cities)
    if not cities:
        return None
    if network_view:
        rows = queries.network_rows(user, cities)
        return {
            "network_view": True,
            "rows": rows,
            "cohorts": queries.cohort_rows(rows),
            "labels": queries.kind_labels(),
        }
    return city_context(user, cities[0], cities)


def city_context(user: Any, city: City, cities: list[City]) -> dict[str, Any]:
    items = queries.attention(user, [city])
    groups = []
    labels = queries.kind_labels()
    for kind in queries.KINDS:
        found = [i for i in items if i.kind == kind]
        if kind == "risk":
            found.sort(key=lambda i: -i.severity)
        groups.append(
            {
                "kind": kind,
                "label": labels[kind],
                "items": found[: queries.SHOWN],
                "more": max(0, len(found) - queries.SHOWN),
                "count": sum(1 for i in found if queries.needs_attention(i)),
            }
        )
    return {
        "network_view": False,
        "city": city,
        "cities": cities,
        "groups": groups,
        "total": sum(g["count"] for g in groups),
        "glance": queries.glance(user, city),
        "statuses": queries.solution_statuses(user, [city]),
        "activity": queries.activity(user, city),
        "outline": queries.outline(user, city),
    }


def dashboard_html(request: HttpRequest) -> SafeString | None:
    """The dashboard's content for ``request.user`` (None: they belong to no city), rendered
    once per data version, user, city asked for, language, time zone and day."""
    user = request.user
    grants = hashlib.sha1(repr(actor_for(user).grants).encode()).hexdigest()
    wanted = request.GET.get("city", "")[:CITY_SLUG_LIMIT]
    key = (
        "reports:dashboard:"
        + hashlib.sha1(
            "|".join(
                (
                    queries.data_version(),
                    str(user.pk),
                    grants,
                    wanted,
                    get_language() or "",
                    timezone.get_current_timezone_name(),
                    str(timezone.localdate()),
                )
            ).encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return None if cached == NO_CITY else mark_safe(cached)
    context = dashboard_context(request)
    html = NO_CITY if context is None else render_to_string(CONTENT, context, request=request)
    cache.set(key, html, queries.PAGE_SECONDS)
    return None if context is None else mark_safe(html)


def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    html = dashboard_html(request)
    return render(
        request, "reports/dashboard/page.html", {"dashboard_html": html, "empty": html is None}
    )


@login_required
@require_POST
def status_override(request: HttpRequest, pk: int) -> HttpResponse:
    solution = visible(Solution, request.user).select_related("city").filter(pk=pk).first()
    if solution is None:
        raise Http404
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override_status(
                request.user, solution, form.cleaned_data["status"], form.cleaned_data["narrative"]
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
    if form.errors:
        from civiclab.reports.contributions.dashboard import panel_context

        context = panel_context(solution, request.user) or {}
        context["form"] = form
        return render(request, "reports/dashboard/status_form.html", context, status=400)
    return redirect("portfolio:solution", pk=solution.pk)


urlpatterns = [
    path("delivery/", dashboard, name="dashboard"),
    path("delivery/solutions/<int:pk>/status/", status_override, name="status_override"),
]
