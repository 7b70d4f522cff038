"""directory pages: the search (htmx refreshes the results), one's own entry.

Thin: reads through ``exchange.queries.directory`` (only the people the reader may find),
writes through ``exchange.services.directory``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from civiclab.accounts.models import User
from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.exchange.forms.directory import EntryForm, SearchForm, split_tags
from civiclab.exchange.queries import directory as queries
from civiclab.exchange.services import directory as services
from civiclab.network.models import City


def _city_choices(request: HtmxRequest) -> list[tuple[str, str]]:
    # Only cities where the reader finds someone: a city's name is no secret, but a choice
    # that always answers nobody is noise.
    shown = queries.shown_memberships(request.user).values("city_id")
    return list(City.objects.filter(pk__in=shown).order_by("name").values_list("slug", "name"))


@login_required
def directory(request: HtmxRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, cities=_city_choices(request))
    filters = form.cleaned_data if form.is_valid() else {}
    people = queries.visible_people(
        request.user,
        q=filters.get("q", ""),
        city=filters.get("city", ""),
        topic=filters.get("topic", ""),
        skill=filters.get("skill", ""),
    )
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    page = min(page, 10_000)
    total = people.count()
    start = (page - 1) * queries.PAGE_SIZE
    context = {
        "form": form,
        "cards": queries.cards(request.user, list(people[start : start + queries.PAGE_SIZE])),
        "total": total,
        "page": page,
        "has_next": start + queries.PAGE_SIZE < total,
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "exchange/directory/partials/results.html", context)
    return render(request, "exchange/directory/list.html", context)


@login_required
def my_entry(request: HtmxRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):  # login_required lets only a signed-in user in
        raise PermissionDenied
    entry = queries.entry_of(user)
    form = EntryForm(
        request.POST if request.method == "POST" else None, initial=EntryForm.initial_for(entry)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_entry(
                user,
                user,
                form.changes(),
                topics=split_tags(form.cleaned_data["topics"]),
                skills=split_tags(form.cleaned_data["skills"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Directory entry saved."))
            return redirect("exchange:directory_me")
    return render(
        request,
        "exchange/directory/me.html",
        {"form": form, "card": queries.cards(user, [user])[0]},
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("exchange/directory/", directory, name="directory"),
    path("exchange/directory/me/", my_entry, name="directory_me"),
]
