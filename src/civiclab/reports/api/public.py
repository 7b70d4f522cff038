"""public: REST routes under /api/v1/reports/ — a city's and a solution's public results, the
same documents as the pages' JSON exports (only public objects, whoever asks)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404
from django.utils import translation
from ninja import Path, Query, Router
from pydantic import Field

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import READ_ERRORS, Id
from civiclab.network.models import City
from civiclab.reports.queries import public as queries
from civiclab.reports.schemas.public import PublicCityOut, PublicSolutionOut
from civiclab.reports.services import public as services

router = Router(tags=["reports"])

Slug = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]
Lang = Annotated[str, Field(pattern=r"^(en|fr)$", description="en or fr; default the city's")]


def _city(slug: str) -> City:
    city = queries.public_city(slug)
    if city is None:
        raise Http404("No public results for this city.")
    return city


def _language(city: City, lang: str | None) -> str:
    if lang in queries.LANGUAGES:
        return str(lang)
    return city.default_language if city.default_language in queries.LANGUAGES else "en"


@router.get(
    "/public/cities/{slug}",
    response={200: PublicCityOut, **READ_ERRORS},
    operation_id="get_public_city_results",
    summary="A city's public results: its public solutions, key indicators, funding leveraged",
)
def city_results(
    request: ApiRequest, slug: Path[Slug], lang: Query[Lang | None] = None
) -> dict[str, Any]:
    city = _city(slug)
    with translation.override(_language(city, lang)):
        return services.city_document(city, request)


@router.get(
    "/public/cities/{slug}/solutions/{solution_id}",
    response={200: PublicSolutionOut, **READ_ERRORS},
    operation_id="get_public_solution_results",
    summary="A public solution's results: indicator series, evaluation result, funding",
)
def solution_results(
    request: ApiRequest, slug: Path[Slug], solution_id: Path[Id], lang: Query[Lang | None] = None
) -> dict[str, Any]:
    city = _city(slug)
    solution = queries.public_solution(city, solution_id)
    if solution is None:
        raise Http404("No public results for this solution.")
    language = _language(city, lang)
    with translation.override(language):
        return services.solution_document(solution, language)
