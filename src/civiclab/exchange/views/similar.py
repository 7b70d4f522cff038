""" "Look elsewhere first": the panel (loaded by htmx on the challenge and idea pages) and
dismissing a match from it. Thin: the ranking is ``queries.similar``, the writes
``services.similar``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.scoping import user_can
from civiclab.exchange import kinds
from civiclab.exchange.contributions.similar import PANEL_PAGES
from civiclab.exchange.forms.similar import DismissForm
from civiclab.exchange.models import SimilarDismissal
from civiclab.exchange.queries.similar import query_for_object, similar
from civiclab.exchange.services import similar as services
from civiclab.portfolio.models import Challenge, scope


def _source(request: HttpRequest, page: str, pk: int) -> Any:
    if page not in PANEL_PAGES:
        raise Http404
    obj = kinds.visible_object(page, request.user, pk)
    if obj is None:
        raise Http404
    return obj


def panel_context(request: HttpRequest, page: str, obj: Any) -> dict[str, Any]:
    challenge = obj if page == "challenge" else obj.challenge
    may_dismiss = request.user.is_authenticated and user_can(
        request.user, Action.EDIT, challenge, DEFAULT_POLICY, scope(Challenge)
    )
    dismissed = SimilarDismissal.objects.filter(source_kind=page, source_id=obj.pk).count()
    return {
        "page": page,
        "source": obj,
        "matches": similar(request.user, query_for_object(page, obj)),
        "may_dismiss": may_dismiss,
        "dismissed": dismissed if may_dismiss else 0,
    }


@require_GET
def similar_panel(request: HttpRequest, page: str, pk: int) -> HttpResponse:
    """The panel's HTML (a fragment: the page's placeholder is replaced by it)."""
    obj = _source(request, page, pk)
    return render(request, "exchange/similar/panel.html", panel_context(request, page, obj))


def _back(page: str, obj: Any) -> str:
    return str(kinds.kind(page).url(obj)) + "#similar"


@require_POST
def dismiss_match(request: HttpRequest, page: str, pk: int) -> HttpResponse:
    """Set a match aside on this challenge's (or idea's) panel."""
    obj = _source(request, page, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    try:
        services.dismiss(
            request.user,
            page,
            obj.pk,
            form.cleaned_data["match_kind"],
            form.cleaned_data["match_id"],
        )
    except ValidationError:
        return HttpResponse(status=400)
    if getattr(request, "htmx", False):
        return render(request, "exchange/similar/panel.html", panel_context(request, page, obj))
    return redirect(_back(page, obj))


@require_POST
def restore_matches(request: HttpRequest, page: str, pk: int) -> HttpResponse:
    """Show every dismissed match of this panel again."""
    obj = _source(request, page, pk)
    for dismissal in SimilarDismissal.objects.filter(source_kind=page, source_id=obj.pk):
        services.restore(request.user, dismissal)
    if getattr(request, "htmx", False):
        return render(request, "exchange/similar/panel.html", panel_context(request, page, obj))
    return redirect(_back(page, obj))


urlpatterns = [
    path("exchange/similar/<str:page>/<int:pk>/", similar_panel, name="similar_panel"),
    path("exchange/similar/<str:page>/<int:pk>/dismiss/", dismiss_match, name="similar_dismiss"),
    path("exchange/similar/<str:page>/<int:pk>/restore/", restore_matches, name="similar_restore"),
]
