"""keyfacts: the network's key facts and the list each number counts, under /api/v1/reports/.

Open to anonymous readers (public objects only), like the page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import DB_INT_MAX, READ_ERRORS
from civiclab.reports.forms.keyfacts import KeyFactsForm
from civiclab.reports.queries import keyfacts as queries
from civiclab.reports.schemas.keyfacts import CountedOut, KeyFactsOut, facts_of, item_of

router = Router(tags=["reports"])

LIST_LIMIT = 500


class FactFilters(Schema):
    network: Annotated[str, Field(max_length=50)] = ""
    city: Annotated[str, Field(max_length=50)] = ""
    cohort: Annotated[int | None, Field(ge=1, le=DB_INT_MAX)] = None
    priority: Annotated[str, Field(max_length=32)] = ""
    year: Annotated[int | None, Field(ge=0, le=queries.YEAR_MAX)] = None


def _filters(params: FactFilters, **extra: Any) -> tuple[KeyFactsForm, queries.Filters]:
    data = {k: v for k, v in {**params.dict(), **extra}.items() if v not in (None, "")}
    form = KeyFactsForm(data)
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form, form.filters()


@router.get(
    "/keyfacts",
    response={200: KeyFactsOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_reports_keyfacts",
    summary="The network's key facts, by city, cohort, priority area or year",
)
def get_keyfacts(
    request: ApiRequest,
    filters: Query[FactFilters],
    group: Literal["city", "cohort", "priority", "year"] = "city",
) -> Any:
    _form, narrowed = _filters(filters)
    return facts_of(queries.key_facts(request.auth, group, narrowed))


@router.get(
    "/keyfacts/{fact}",
    response={200: CountedOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_reports_keyfacts_counted",
    summary="What one key fact counts (the same query as its number)",
)
def list_counted(
    request: ApiRequest,
    fact: Literal["problems", "ideas", "solutions", "evaluated", "funding", "outcomes"],
    filters: Query[FactFilters],
    limit: Annotated[int, Field(ge=1, le=LIST_LIMIT)] = 100,
    offset: Annotated[int, Field(ge=0, le=DB_INT_MAX)] = 0,
) -> Any:
    _form, narrowed = _filters(filters)
    rows = queries.listed(request.auth, fact, narrowed)
    return {
        "fact": fact,
        "count": rows.count(),
        "items": [item_of(fact, obj) for obj in rows[offset : offset + limit]],
    }
