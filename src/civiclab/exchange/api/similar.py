""" "Look elsewhere first" routes: what other cities share that is most similar to a
challenge, an idea or a text (the same ranking as the page's panel and the CLI), and
setting a match aside on a challenge's or idea's panel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Query, Router

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS
from civiclab.exchange import kinds
from civiclab.exchange.queries.similar import query_for_object, query_for_text, similar
from civiclab.exchange.schemas.similar import (
    SimilarDismissalIn,
    SimilarDismissalOut,
    SimilarQuery,
    SimilarResults,
)
from civiclab.exchange.services import similar as services
from civiclab.exchange.similarity import embedder

router = Router(tags=["exchange"])


@router.get(
    "/similar",
    response={200: SimilarResults, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="exchange_similar",
    summary="Other cities' shared work most similar to a challenge, an idea or a text, with why",
)
def similar_to(request: ApiRequest, query: Query[SimilarQuery]) -> Any:
    given = [name for name in ("challenge", "idea", "text") if getattr(query, name)]
    if len(given) != 1:
        raise ValidationError({"challenge": "Give exactly one of challenge, idea or text."})
    if query.text:
        wanted = query_for_text(query.text)
    else:
        kind = given[0]
        obj = kinds.visible_object(kind, request.auth, getattr(query, kind))
        if obj is None:
            raise Http404
        wanted = query_for_object(kind, obj)
    return {
        "items": [m.as_json() for m in similar(request.auth, wanted, query.limit)],
        "model": embedder.model_label(),
    }


@router.post(
    "/similar/dismissals",
    response={201: SimilarDismissalOut, **ERRORS},
    operation_id="exchange_similar_dismiss",
    summary="Set a match aside on a challenge's or an idea's panel (editing the challenge)",
)
def dismiss(request: ApiRequest, body: SimilarDismissalIn) -> Any:
    dismissal = services.dismiss(
        request.auth, body.source_kind, body.source_id, body.match_kind, body.match_id
    )
    return 201, dismissal
