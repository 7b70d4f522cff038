"""library pages: the exchange's landing page, the case library searched with facets.

The form, the facets and the results are one page; with htmx, a search swaps the results
and facets in place (``partials/results.html``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import get_language

from civiclab.core.errors import DomainError
from civiclab.core.http import HtmxRequest
from civiclab.exchange import case_labels
from civiclab.exchange.queries import library

PAGE = 20


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() and len(value) < 7 else default


def library_page(request: HtmxRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: library.QUERY_LIMIT + 1]
    filters = library.LibraryFilters(
        **{name: request.GET.getlist(name)[: library.FILTER_VALUES + 1] for name in library.FACETS}
    )
    offset = _int(request.GET.get("offset", "0"), 0)
    error = ""
    page: library.LibraryPage | None = None
    try:
        page = library.search(
            request.user, query, filters, limit=PAGE, offset=offset, language=get_language() or "en"
        )
    except DomainError as exc:
        error = str(exc)
    chosen = {name: set(getattr(filters, name)) for name in library.FACETS}
    facets: list[dict[str, Any]] = []
    if page is not None:
        for name in library.FACETS:
            values = []
            for value, count in page.facets.get(name, []):
                values.append(
                    {
                        "value": value,
                        "label": case_labels.value_label(name, value),
                        "count": count,
                        "checked": value in chosen[name],
                    }
                )
            if values:
                facets.append(
                    {"name": name, "label": case_labels.FACET_LABELS[name], "values": values}
                )
    params = [("q", query)] + [(n, v) for n in library.FACETS for v in getattr(filters, n)]
    more = (
        "?" + urlencode([*params, ("offset", str(offset + PAGE))])
        if page is not None and offset + PAGE < min(page.total, library.OFFSET_LIMIT)
        else ""
    )
    context = {
        "query": query,
        "page": page,
        "facets": facets,
        "error": error,
        "more": more,
        "offset": offset,
    }
    template = (
        "exchange/library/partials/results.html"
        if request.htmx
        else "exchange/library/library.html"
    )
    return render(request, template, context)


urlpatterns: list[URLPattern] = [
    path("exchange/", library_page, name="library"),
]
