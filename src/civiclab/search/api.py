"""GET /api/v1/search: the header's search box, for API clients."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from ninja import Query, Router

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import READ_ERRORS
from civiclab.search import queries
from civiclab.search.schemas import SiteSearchQuery, SiteSearchResults, results_out

router = Router(tags=["search"])


@router.get(
    "/search",
    response={200: SiteSearchResults, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="site_search",
    summary="Search everything the caller may see (every word), grouped by kind",
    description=(
        "Challenges, ideas, solutions, datasets (names, descriptions, columns, data "
        "dictionary), indicators, people (by name), published case studies and funding "
        "opportunities. Accents, case and English or French inflections are ignored. Each "
        "kind gives its count and its best `per_kind` hits; only what the caller may see is "
        "searched and counted."
    ),
)
def site_search(request: ApiRequest, query: Query[SiteSearchQuery]) -> dict[str, Any]:
    results = queries.search(
        request.auth, query.q, per_kind=query.per_kind, language=get_language() or "en"
    )
    return results_out(results)
