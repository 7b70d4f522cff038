"""The catalogue: search with facets, "for my city" by default (built in the search work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "funding/catalogue.html", {})
