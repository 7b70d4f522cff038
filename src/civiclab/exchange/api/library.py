"""library routes: the case library searched, with facets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from ninja import Query, Router

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import READ_ERRORS
from civiclab.exchange.queries import library
from civiclab.exchange.schemas.library import LibraryQuery, LibraryResults, page_of

router = Router(tags=["exchange"])


@router.get(
    "/library",
    response={200: LibraryResults, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="search_library",
    summary="Search the case library (any of the words, ranked by BM25), with facets",
    description=(
        "Accents, case and English or French inflections are ignored. Only published cases "
        "the caller may see are searched and counted. An unknown filter value is a `422` "
        "`invalid_search` naming it."
    ),
)
def search_library(request: ApiRequest, query: Query[LibraryQuery]) -> dict[str, Any]:
    page = library.search(
        request.auth,
        query.q,
        query.filters(),
        limit=query.limit,
        offset=query.offset,
        language=get_language() or "en",
    )
    return page_of(page, query.limit, query.offset)
