"""The results page (/search/?q=) and the suggestions htmx asks for while typing."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from civiclab.core.http import HtmxRequest
from civiclab.search import queries


def _query(request: HtmxRequest) -> str:
    # One character over the limit, so that the limit's message is shown rather than a cut.
    return request.GET.get("q", "")[: queries.QUERY_LIMIT + 1].strip()


def results(request: HtmxRequest) -> HttpResponse:
    query = _query(request)
    context: dict[str, object] = {
        "query": query,
        "results": None,
        "error": "",
        "limits": {
            "characters": queries.QUERY_LIMIT,
            "words": queries.QUERY_WORDS,
            "per_kind": queries.PER_KIND,
        },
    }
    if query:
        try:
            context["results"] = queries.search(
                request.user, query, language=get_language() or "en"
            )
        except queries.SearchError as exc:
            context["error"] = str(exc)
    return render(request, "search/results.html", context)


def suggestions(request: HtmxRequest) -> HttpResponse:
    query = _query(request)
    found = None
    if len(query) >= 2:
        try:
            found = queries.search(
                request.user,
                query,
                per_kind=queries.SUGGESTIONS,
                language=get_language() or "en",
            )
        except queries.SearchError:
            found = None
    return render(request, "search/partials/suggestions.html", {"results": found, "query": query})
