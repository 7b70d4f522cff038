"""public: results pages anyone may read, their open data, their feed and the results brief.

Readable without login. Each page is keyed by its data version (``queries.public``): the
ETag and Last-Modified headers come from it (a 304 when the reader has it), and the rendered
page is kept in Django's cache under it, so a change to the data makes a new page. The pages
are rendered without the request (no session, no CSRF token, nobody's name in them) so one
rendering serves every reader; the language is the city's, or ``?lang=en|fr``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from civiclab.core.api import DB_INT_MAX
from civiclab.core.csv_cells import safe_row
from civiclab.network.models import City
from civiclab.portfolio.models import Solution
from civiclab.reports.queries import public as queries
from civiclab.reports.services import public as services

MAX_AGE = 60  # seconds a browser or proxy may reuse a page without asking
PAGE_TTL = 24 * 3600  # the rendered page's life in the cache (its key changes with the data)


def language_of(request: HttpRequest, city: City) -> str:
    """``?lang=`` when it is one we speak, else the city's language (else English)."""
    asked = request.GET.get("lang", "")
    if asked in queries.LANGUAGES:
        return asked
    return city.default_language if city.default_language in queries.LANGUAGES else "en"


def _city(slug: str) -> City:
    city = queries.public_city(slug[:50])
    if city is None:
        raise Http404("No public results for this city.")
    return city


def _solution(city: City, solution_id: int) -> Solution:
    solution = queries.public_solution(city, solution_id) if solution_id <= DB_INT_MAX else None
    if solution is None:
        raise Http404("No public results for this solution.")
    return solution


def _cached(
    request: HttpRequest,
    version: queries.DataVersion,
    language: str,
    kind: str,
    content_type: str,
    make: Callable[[], str | bytes],
) -> HttpResponse:
    """The response for ``version``: 304 when the reader has it, else from the cache or
    ``make()`` (run with the language active), with the validators and cache headers."""
    modified = int(version.modified.timestamp())
    answer = get_conditional_response(request, etag=version.etag, last_modified=modified)
    if answer is None:
        key = f"reports:public:{kind}:{request.path}:{version.key}"
        body = cache.get(key)
        if body is None:
            with translation.override(language):
                body = make()
            cache.set(key, body, PAGE_TTL)
        answer = HttpResponse(body, content_type=content_type)
    answer.headers["ETag"] = version.etag
    answer.headers["Last-Modified"] = http_date(modified)
    answer.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    answer.headers["Content-Language"] = language
    return answer


def _links(request: HttpRequest, language: str) -> list[dict[str, Any]]:
    """The language switch: this page in each language."""
    return [
        {"code": code, "url": f"{request.path}?lang={code}", "current": code == language}
        for code in queries.LANGUAGES
    ]


# -- pages ---------------------------------------------------------------------------------
@require_safe
def public_index(request: HttpRequest) -> HttpResponse:
    cities = list(queries.public_cities())
    return render(request, "reports/public/index.html", {"cities": cities})


@require_safe
def city_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    language = language_of(request, city)
    version = queries.data_version(city, language=language)

    def make() -> str:
        context = {
            "city": city,
            "rows": queries.city_rows(city),
            "funding": queries.city_funding(city),
            "updated": version.modified,
            "languages": _links(request, language),
            "language": language,
        }
        return render_to_string("reports/public/city.html", context)

    return _cached(request, version, language, "city", "text/html; charset=utf-8", make)


@require_safe
def solution_page(request: HttpRequest, city_slug: str, solution_id: int) -> HttpResponse:
    city = _city(city_slug)
    solution = _solution(city, solution_id)
    language = language_of(request, city)
    version = queries.data_version(city, solution, language=language)

    def make() -> str:
        view = queries.solution_view(solution, language)
        context = {
            "city": city,
            "view": view,
            "languages": _links(request, language),
            "language": language,
        }
        return render_to_string("reports/public/solution.html", context)

    return _cached(request, version, language, "solution", "text/html; charset=utf-8", make)


# -- open data -----------------------------------------------------------------------------
def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue()


@require_safe
def city_data(request: HttpRequest, city_slug: str, fmt: str) -> HttpResponse:
    city = _city(city_slug)
    language = language_of(request, city)
    version = queries.data_version(city, language=language)
    if fmt == "json":
        return _cached(
            request, version, language, "city-json", "application/json",
            lambda: json.dumps(services.city_document(city, request), ensure_ascii=False),
        )  # fmt: skip

    def make() -> str:
        document = services.city_document(city, request)
        return _csv(services.CITY_CSV_HEADER, services.city_csv_rows(document))

    return _cached(request, version, language, "city-csv", "text/csv; charset=utf-8", make)


@require_safe
def solution_data(request: HttpRequest, city_slug: str, solution_id: int, fmt: str) -> HttpResponse:
    city = _city(city_slug)
    solution = _solution(city, solution_id)
    language = language_of(request, city)
    version = queries.data_version(city, solution, language=language)
    if fmt == "json":
        return _cached(
            request, version, language, "solution-json", "application/json",
            lambda: json.dumps(services.solution_document(solution, language), ensure_ascii=False),
        )  # fmt: skip

    def make() -> str:
        document = services.solution_document(solution, language)
        return _csv(services.SERIES_CSV_HEADER, services.series_csv_rows(document))

    return _cached(request, version, language, "solution-csv", "text/csv; charset=utf-8", make)


@require_safe
def city_feed(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    language = language_of(request, city)
    version = queries.data_version(city, language=language)
    return _cached(
        request, version, language, "feed", "application/atom+xml; charset=utf-8",
        lambda: services.city_feed(city, request.build_absolute_uri("/").rstrip("/"), language),
    )  # fmt: skip


# -- the results brief ---------------------------------------------------------------------
@require_safe
def brief(request: HttpRequest, city_slug: str, solution_id: int) -> HttpResponse:
    """The brief's PDF when it is ready; else it is queued and a page says "preparing"
    (htmx asks again every few seconds and follows to the PDF when it is done)."""
    city = _city(city_slug)
    solution = _solution(city, solution_id)
    language = language_of(request, city)
    found = services.brief_for(solution, language)
    pdf_url = f"{reverse('reports:public_brief', args=[city.slug, solution.pk])}?lang={language}"
    done = found.state == found.State.DONE
    if request.headers.get("HX-Request"):
        with translation.override(language):
            context = {"city": city, "solution": solution, "brief": found, "pdf_url": pdf_url}
            response = render(request, "reports/public/brief_status.html", context)
        if done:
            response.headers["HX-Redirect"] = pdf_url
        response.headers["Cache-Control"] = "no-store"
        return response
    if done:
        response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
        name = f"results-brief-{city.slug}-{solution.pk}-{language}.pdf"
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        response.headers["Cache-Control"] = "no-cache"
        return response
    with translation.override(language):
        context = {"city": city, "solution": solution, "brief": found, "pdf_url": pdf_url}
        response = render(request, "reports/public/brief_preparing.html", context)
    # 202: accepted, being prepared; 503: rendering failed (a later request tries again).
    response.status_code = 202 if found.state == found.State.QUEUED else 503
    response.headers["Cache-Control"] = "no-store"
    return response


_city_url = "results/<slug:city_slug>/"
_solution_url = f"{_city_url}<int:solution_id>/"

urlpatterns = [
    path("results/", public_index, name="public_index"),
    path(_city_url, city_page, name="public_city"),
    path(f"{_city_url}results.json", city_data, {"fmt": "json"}, name="public_city_json"),
    path(f"{_city_url}results.csv", city_data, {"fmt": "csv"}, name="public_city_csv"),
    path(f"{_city_url}feed.atom", city_feed, name="public_feed"),
    path(_solution_url, solution_page, name="public_solution"),
    path(f"{_solution_url}series.json", solution_data, {"fmt": "json"}, name="public_series_json"),
    path(f"{_solution_url}series.csv", solution_data, {"fmt": "csv"}, name="public_series_csv"),
    path(f"{_solution_url}brief.pdf", brief, name="public_brief"),
]
