from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from civiclab.audit.labels import action_label, kind_label
from civiclab.audit.queries import can_read_audit, visible_events
from civiclab.network.queries import visible_cities


@login_required
def audit_log(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The audit log of one city (its admins) or of the whole network (network admins)."""
    city = get_object_or_404(visible_cities(request.user), slug=slug) if slug else None
    if not can_read_audit(request.user, city):
        raise PermissionDenied
    events = visible_events(request.user).select_related("actor")
    if city is not None:
        events = events.filter(city=city)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.action_label = action_label(event.action)  # type: ignore[attr-defined]
        event.kind_label = kind_label(event.action)  # type: ignore[attr-defined]
    return render(request, "audit/log.html", {"city": city, "page": page})
