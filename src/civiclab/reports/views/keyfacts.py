"""The network's key facts, live: the numbers by city, cohort, priority area or year, and the
list each number counts. Open to everyone: a visitor counts public objects only, a person
what they could open (docs/reports/keyfacts.md)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from civiclab.reports.forms.keyfacts import KeyFactsForm
from civiclab.reports.queries import keyfacts as queries
from civiclab.reports.schemas.keyfacts import item_of, list_url

PAGE_SIZE = 100


def keyfacts_page(request: HttpRequest) -> HttpResponse:
    form = KeyFactsForm(request.GET or None)
    context = {"form": form, "choices": queries.filter_choices(request.user)}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/keyfacts/page.html", context, status=400)
    found = queries.key_facts(
        request.user,
        form.grouping() if form.is_bound else "city",
        form.filters() if form.is_bound else queries.Filters(),
    )
    rows = [found.total, *found.rows]
    context.update(
        found=found,
        facts=[
            (fact, queries.FACT_LABELS[fact], queries.FACT_HELP[fact]) for fact in queries.FACTS
        ],
        table=[
            (row, [(fact, row.cells[fact], list_url(fact, row)) for fact in queries.FACTS])
            for row in rows
        ],
        cards=[
            (queries.FACT_LABELS[fact], queries.FACT_HELP[fact], found.total.cells[fact], url)
            for fact, url in ((f, list_url(f, found.total)) for f in queries.FACTS)
        ],
        group_label=queries.GROUP_LABELS[found.group],
    )
    return render(request, "reports/keyfacts/page.html", context)


def keyfacts_list(request: HttpRequest) -> HttpResponse:
    form = KeyFactsForm(request.GET)
    if not form.is_valid() or not form.cleaned_data.get("fact"):
        if form.is_valid():
            form.add_error("fact", form.fields["fact"].error_messages["required"])
        return render(request, "reports/keyfacts/list.html", {"form": form}, status=400)
    fact = form.cleaned_data["fact"]
    filters = form.filters()
    page = Paginator(queries.listed(request.user, fact, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reports/keyfacts/list.html",
        {
            "form": form,
            "fact": fact,
            "fact_label": queries.FACT_LABELS[fact],
            "fact_help": queries.FACT_HELP[fact],
            "filters": filters.as_params(),
            "page": page,
            "items": [item_of(fact, obj) for obj in page.object_list],
        },
    )


urlpatterns = [
    path("delivery/key-facts/", keyfacts_page, name="keyfacts"),
    path("delivery/key-facts/list/", keyfacts_list, name="keyfacts_list"),
]
