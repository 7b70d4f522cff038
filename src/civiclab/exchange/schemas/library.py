"""API shapes of the case library; ``item_of`` is also what the CLI prints with --json."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from civiclab.exchange.queries import library


class LibraryQuery(Schema):
    q: str = Field("", max_length=library.QUERY_LIMIT, description="words to find (any of them)")
    priority_area: list[str] = Field([], description="housing, public_safety…")
    size_band: list[str] = Field([], description="small, medium, large, very_large, unknown")
    country: list[str] = Field([], description="ISO 3166 codes, e.g. FR")
    region: list[str] = Field([])
    strength: list[str] = Field([], description="strong, moderate, suggestive, weak, none")
    stage: list[str] = Field([], description="prepare, deliver, sustain, stopped")
    funding_source: list[str] = Field([], description="federal, european… or none")
    language: list[str] = Field([], description="en, fr")
    limit: int = Field(20, ge=1, le=library.PAGE_LIMIT)
    offset: int = Field(0, ge=0, le=library.OFFSET_LIMIT)

    def filters(self) -> library.LibraryFilters:
        return library.LibraryFilters(
            **{name: list(getattr(self, name)) for name in library.FACETS}
        )


class Why(Schema):
    words: list[str] = Field(description="the query's words the case contains")
    fields: list[str] = Field(
        description="the index columns they are in: title, body (problem, approach), detail "
        "(lessons, evidence, indicators, evaluation), place (city, region, country, priority area)"
    )


class LibraryItem(Schema):
    kind: str = Field(description='always "case"')
    id: int
    city: str = Field(description="the city's slug")
    city_name: str
    title: str
    language: str = Field(description="the language of the title shown: en or fr")
    languages: list[str]
    score: float = Field(description="BM25 (larger is better); 0 without words")
    why: Why
    strength: str
    url: str


class FacetValue(Schema):
    value: str
    count: int


class LibraryResults(Schema):
    total: int
    limit: int
    offset: int
    words: list[str]
    items: list[LibraryItem]
    facets: dict[str, list[FacetValue]]


def item_of(hit: library.Hit) -> dict[str, Any]:
    case = hit.case
    return {
        "kind": "case",
        "id": case.pk,
        "city": case.city.slug,
        "city_name": case.city.name,
        "title": hit.title,
        "language": hit.language,
        "languages": case.languages,
        "score": hit.score,
        "why": {"words": hit.words, "fields": hit.fields},
        "strength": case.strength,
        "url": reverse("exchange:case", args=(case.pk,)),
    }


def page_of(page: library.LibraryPage, limit: int, offset: int) -> dict[str, Any]:
    return {
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "words": page.words,
        "items": [item_of(hit) for hit in page.hits],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in page.facets.items()
        },
    }
