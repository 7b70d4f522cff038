"""The catalogue (search with filters and facets, "for my city" by default for a member of a
city) and the matches of a challenge or a solution, with dismissals and peer cities."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from civiclab.core.errors import DomainError
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.scoping import user_can
from civiclab.funding import search as catalogue_search
from civiclab.funding.forms.search import PAGE_SIZE, CatalogueForm, DismissalForm
from civiclab.funding.labels import reasons_text
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import home_city
from civiclab.funding.queries.search import (
    challenge_for,
    dismissals_for,
    peers,
    solution_for,
)
from civiclab.funding.services import catalogue as catalogue_services
from civiclab.funding.services import dismissals
from civiclab.portfolio.models import Challenge, Solution, scope


def catalogue(request: HttpRequest) -> HttpResponse:
    city = home_city(request.user)
    form = CatalogueForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "city": city, "page": None, "error": ""}
    if form.is_bound and not form.is_valid():
        context["error"] = "form"
    else:
        if not form.is_bound:
            form = CatalogueForm({})
            form.is_valid()
            context["form"] = form
        offset = form.cleaned_data.get("offset") or 0
        filters = form.filters("for_my_city" if city else "all")
        try:
            page = catalogue_search.search(
                request.user, city, form.cleaned_data.get("q") or "", filters,
                limit=PAGE_SIZE, offset=offset,
            )  # fmt: skip
        except DomainError as exc:
            context["error"] = str(exc)
        else:
            context.update(
                page=page,
                rows=[(hit, reasons_text(hit.eligibility)) for hit in page.hits],
                filters=filters,
                offset=offset,
                previous_offset=max(0, offset - PAGE_SIZE) if offset else None,
                next_offset=offset + PAGE_SIZE if offset + PAGE_SIZE < page.total else None,
                query_without_offset=_without(request, "offset"),
            )
    if getattr(request, "htmx", False):
        return render(request, "funding/partials/catalogue_results.html", context)
    # The rest of the navigator, from its front page (imports: network admins only).
    signed_in = request.user.is_authenticated
    context["may_import"] = signed_in and catalogue_services.may_import(request.user)
    return render(request, "funding/catalogue.html", context)


def _without(request: HttpRequest, key: str) -> str:
    query = request.GET.copy()
    query.pop(key, None)
    return query.urlencode()


def _matches_page(
    request: HttpRequest, challenge: Challenge, solution: Solution | None
) -> HttpResponse:
    target = solution if solution is not None else challenge
    may_dismiss = user_can(request.user, Action.EDIT, target, DEFAULT_POLICY, scope(type(target)))
    try:
        found = catalogue_search.match(request.user, challenge, solution)
    except DomainError:
        found = []
    return render(
        request,
        "funding/matches.html",
        {
            "challenge": challenge,
            "solution": solution,
            "matches": found,
            "dismissed": dismissals_for(challenge, solution),
            "peers": peers(request.user, challenge),
            "may_dismiss": may_dismiss,
            "form": DismissalForm(),
        },
    )


def challenge_matches(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = challenge_for(request.user, pk)
    if challenge is None:
        raise Http404
    return _matches_page(request, challenge, None)


def solution_matches(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_for(request.user, pk)
    if solution is None:
        raise Http404
    return _matches_page(request, solution.challenge, solution)


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss an opportunity from a challenge's matches (``solution`` in the form: from that
    solution's), or with ``undo`` bring it back; htmx gets the page's matches section."""
    challenge = challenge_for(request.user, pk)
    if challenge is None:
        raise Http404
    solution = None
    if request.POST.get("solution"):
        solution = solution_for(request.user, _int(request.POST["solution"]))
        if solution is None or solution.challenge_id != challenge.pk:
            raise Http404
    back = (
        redirect("funding:solution_matches", pk=solution.pk)
        if solution
        else redirect("funding:challenge_matches", pk=challenge.pk)
    )
    try:
        if request.POST.get("undo"):
            dismissal = get_object_or_404(
                dismissals_for(challenge, solution),
                opportunity_id=_int(request.POST.get("opportunity", "")),
            )
            dismissals.undo(request.user, dismissal)
        else:
            form = DismissalForm(request.POST)
            if not form.is_valid():
                return HttpResponse(status=400, content=form.errors.as_text())
            opportunity = get_object_or_404(
                visible_opportunities(request.user), pk=form.cleaned_data["opportunity"]
            )
            dismissals.dismiss(
                request.user,
                opportunity,
                form.cleaned_data["reason"],
                form.cleaned_data["note"],
                challenge=challenge,
                solution=solution,
            )
    except ValidationError as exc:
        return HttpResponse(status=400, content=" ".join(exc.messages))
    if getattr(request, "htmx", False):
        return _matches_page(request, challenge, solution)
    return back


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
