"""nudges: the page of what the signed-in person should update (their nudges, newest first,
with the state each object is in now), marking them read, and the digest email's switch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.reports.queries import nudges as queries
from civiclab.reports.services import nudges as services

PER_PAGE = 50


@login_required
def nudges(request: HttpRequest) -> HttpResponse:
    rows = queries.my_nudges(request.user)
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    now = queries.current_states(shown)
    items = [{**queries.describe(n), "now": now.get((n.kind, n.object_id))} for n in shown]
    return render(
        request,
        "reports/nudges/page.html",
        {
            "page": page,
            "items": items,
            "unread": queries.unread_nudge_count(request.user),
            "email": queries.wants_email(request.user),
            "only_unread": request.GET.get("unread") == "1",
        },
    )


@login_required
@require_POST
def nudges_read(request: HttpRequest) -> HttpResponse:
    """Mark one nudge (``item``) or all of them read; with ``open``, go to its object."""
    item = request.POST.get("item", "")
    ids = [int(item)] if item.isdigit() and len(item) < 19 else None
    services.mark_read(request.user, ids)
    if ids and request.POST.get("open"):
        found = queries.my_nudges(request.user).filter(pk=ids[0]).first()
        if found is not None:
            return redirect(queries.link_of(found))
    return redirect(reverse("reports:nudges"))


@login_required
@require_POST
def nudges_email(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("email") == "on"
    services.set_email(request.user, on)
    messages.success(
        request,
        _("The digest email is on.") if on else _("You will no longer receive the digest email."),
    )
    return redirect(reverse("reports:nudges"))


urlpatterns = [
    path("delivery/nudges/", nudges, name="nudges"),
    path("delivery/nudges/read/", nudges_read, name="nudges_read"),
    path("delivery/nudges/email/", nudges_email, name="nudges_email"),
]
