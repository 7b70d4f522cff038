"""Saved searches and the digest: the saved searches page, "Save this search" (posted by the
catalogue), following a challenge's matches, the digest page and its dismissals, and the
email's "stop these emails" link."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.funding.forms.alerts import FollowChallengeForm, SaveSearchForm, SearchSettingsForm
from civiclab.funding.queries.alerts import (
    own_digest_items,
    own_searches,
    searches_with_counts,
    waiting_count,
)
from civiclab.funding.queries.profile import home_city
from civiclab.funding.services import alerts as services
from civiclab.funding.services import digest_mail
from civiclab.network.models import City
from civiclab.network.queries import visible_cities
from civiclab.portfolio.queries import visible_challenges

# The catalogue's field → the saved search's filter (``SearchFilters``' names).
CATALOGUE_FIELDS = {
    "category": "categories",
    "agency": "agencies",
    "instrument": "instruments",
    "funder_type": "funder_types",
}


def _described(search: Any) -> Any:
    """The search with ``filter_text``: its filters as "name: value" (codes as stored)."""
    search.filter_text = " · ".join(
        f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in (search.filters or {}).items()
    )
    return search


@login_required
def searches(request: HtmxRequest) -> HttpResponse:
    return render(
        request,
        "funding/searches.html",
        {
            "searches": [_described(s) for s in searches_with_counts(request.user)],
            "waiting": waiting_count(request.user),
            "most": services.MAX_SEARCHES,
        },
    )


def _city_for(request: HtmxRequest, slug: str) -> City | None:
    """The city a search is saved for: the one the catalogue searched as, else the person's
    first (the service refuses a city they do not belong to)."""
    if slug:
        return visible_cities(request.user).filter(slug=slug).first()
    return home_city(request.user)  # type: ignore[no-any-return]


def _as_saved(posted: QueryDict) -> QueryDict:
    """The catalogue form's fields under the names a saved search keeps (``SearchFilters``'):
    the catalogue names each facet's field in the singular and says yes/no for cost sharing."""
    data = posted.copy()
    for field, name in CATALOGUE_FIELDS.items():
        if field in data:
            data.setlist(
                name, [v.strip().upper() if name == "agencies" else v for v in data.getlist(field)]
            )
            del data[field]
    if data.get("cost_sharing") in {"yes", "no"}:
        data["cost_sharing"] = "true" if data["cost_sharing"] == "yes" else "false"
    return data


@login_required
@require_POST
def search_new(request: HtmxRequest) -> HttpResponse:
    """ "Save this search" from the catalogue: its query and filters as its form posts them."""
    form = SaveSearchForm(_as_saved(request.POST))
    saved = None
    if form.is_valid():
        city = _city_for(request, form.cleaned_data["city"])
        if city is None:
            form.add_error(None, _("You may only save searches for a city you belong to."))
        else:
            try:
                saved = services.save_search(
                    request.user,
                    city,
                    form.cleaned_data["name"],
                    form.cleaned_data["q"],
                    form.filters(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
    if request.htmx:
        return render(
            request,
            "funding/partials/save_search.html",
            {"save_form": form, "saved": saved, "save_params": _posted_params(request)},
            status=200 if saved or not form.errors else 422,
        )
    if saved is not None:
        messages.success(
            request,
            _("Search saved: new and changed opportunities it finds will come in your digest."),
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("funding:searches")


def _posted_params(request: HtmxRequest) -> list[tuple[str, str]]:
    """The query and filters posted, to post again with a corrected name."""
    skipped = {"name", "csrfmiddlewaretoken"}
    return [(k, v) for k, values in request.POST.lists() if k not in skipped for v in values]


def _own_search(request: HtmxRequest, search_id: int) -> Any:
    return get_object_or_404(own_searches(request.user), pk=search_id)


@login_required
@require_POST
def search_settings(request: HtmxRequest, search_id: int) -> HttpResponse:
    """Turn a saved search's alerts and email on or off."""
    search = _own_search(request, search_id)
    form = SearchSettingsForm(request.POST)
    if form.is_valid():
        services.update_search(
            request.user,
            search,
            alerts=form.cleaned_data["alerts"],
            email=form.cleaned_data["email"],
        )
    if request.htmx:
        row = get_object_or_404(searches_with_counts(request.user), pk=search.pk)
        return render(request, "funding/partials/search_row.html", {"search": _described(row)})
    messages.success(request, _("Saved."))
    return redirect("funding:searches")


@login_required
@require_POST
def search_delete(request: HtmxRequest, search_id: int) -> HttpResponse:
    search = _own_search(request, search_id)
    services.delete_search(request.user, search)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, _("Saved search deleted."))
    return redirect("funding:searches")


@login_required
def follow_challenge(request: HtmxRequest, challenge_id: int) -> HttpResponse:
    """Follow a challenge's matches: new and changed opportunities that rank among its best
    come in the digest."""
    challenge = get_object_or_404(visible_challenges(request.user), pk=challenge_id)
    following = own_searches(request.user).filter(challenge=challenge).first()
    form = FollowChallengeForm(request.POST or None)
    if request.method == "POST" and following is None and form.is_valid():
        try:
            services.follow_challenge(request.user, challenge, form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("You follow this challenge's matches."))
            return redirect("funding:searches")
    return render(
        request,
        "funding/follow_challenge.html",
        {"challenge": challenge, "form": form, "following": following},
    )


@login_required
def digest(request: HtmxRequest) -> HttpResponse:
    """The person's digest items not dismissed, grouped by search, newest first."""
    items = sorted(
        own_digest_items(request.user), key=lambda item: (item.search.name.lower(), item.search_id)
    )
    groups = [
        {"search": rows[0].search, "items": rows}
        for rows in (list(g) for _key, g in groupby(items, key=lambda item: item.search_id))
    ]
    return render(request, "funding/digest.html", {"groups": groups, "count": len(items)})


@login_required
@require_POST
def dismiss(request: HtmxRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(own_digest_items(request.user), pk=item_id)
    services.dismiss_item(request.user, item)
    if request.htmx:
        return HttpResponse("")
    return redirect(reverse("funding:digest"))


def unsubscribe(request: HtmxRequest, token: str) -> HttpResponse:
    """The email's link: asks first (mail scanners open links), then stops that search's
    emails. It works without signing in: the token is the proof of the mailbox."""
    search = digest_mail.search_of_token(token)
    if search is None:
        raise Http404
    done = False
    if request.method == "POST":
        digest_mail.unsubscribe(search)
        done = True
    return render(request, "funding/unsubscribe.html", {"search": search, "done": done})
