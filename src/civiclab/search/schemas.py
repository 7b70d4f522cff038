"""What GET /api/v1/search answers."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from civiclab.search import queries


class SiteSearchQuery(Schema):
    q: str = Field(
        "", max_length=queries.QUERY_LIMIT, description="words to find (every one of them)"
    )
    per_kind: int = Field(
        queries.PER_KIND, ge=1, le=queries.PER_KIND_LIMIT, description="hits per kind"
    )


class SiteSearchHit(Schema):
    kind: str = Field(
        description="challenge, idea, solution, dataset, indicator, person, case, opportunity"
    )
    id: int
    title: str
    snippet: str = Field(description="a few words around the first match")
    city: str = Field(description="the owning city's name (empty when there is none)")
    url: str = Field(description="the object's page")
    email: str | None = Field(
        None, description="a person's address, only for people of the caller's city"
    )


class SiteSearchGroup(Schema):
    kind: str
    label: str
    count: int = Field(description="every match the caller may see, not only those listed")
    hits: list[SiteSearchHit]


class SiteSearchResults(Schema):
    query: str
    words: list[str] = Field(description="the words looked for (folded, stop words dropped)")
    total: int
    groups: list[SiteSearchGroup]


def results_out(results: queries.Results) -> dict[str, Any]:
    return {
        "query": results.query,
        "words": results.words,
        "total": results.total,
        "groups": [
            {
                "kind": group.kind,
                "label": str(group.label),
                "count": group.count,
                "hits": [
                    {
                        "kind": hit.kind,
                        "id": hit.id,
                        "title": hit.title,
                        "snippet": hit.snippet_text,
                        "city": hit.city,
                        "url": hit.url,
                        "email": hit.email,
                    }
                    for hit in group.hits
                ],
            }
            for group in results.groups
        ],
    }
