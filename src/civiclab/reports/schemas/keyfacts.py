"""The key facts as the API and the command line give them, and one counted object's row."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from ninja import Schema

from civiclab.reports.queries.keyfacts import FACT_LABELS, FACTS, KeyFacts, Row


class MoneyOut(Schema):
    currency: str
    awarded: str
    match: str
    applications: int


class CellOut(Schema):
    count: int
    money: list[MoneyOut] = []
    list_url: str


class RowOut(Schema):
    key: str | int | None
    label: str
    facts: dict[str, CellOut]


class KeyFactsOut(Schema):
    group: str
    filters: dict[str, str]
    facts: dict[str, str]
    total: RowOut
    rows: list[RowOut]


class CountedOut(Schema):
    fact: str
    count: int
    items: list[dict[str, Any]]


def list_url(fact: str, row: Row) -> str:
    """The page that lists what one number counts."""
    from urllib.parse import urlencode

    return (
        f"{reverse('reports:keyfacts_list')}?{urlencode({'fact': fact, **row.filters.as_params()})}"
    )


def row_of(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "facts": {
            fact: {
                "count": cell.count,
                "money": [
                    {
                        "currency": m.currency,
                        "awarded": str(m.awarded),
                        "match": str(m.match),
                        "applications": m.applications,
                    }
                    for m in cell.money
                ],
                "list_url": list_url(fact, row),
            }
            for fact, cell in row.cells.items()
        },
    }


def facts_of(found: KeyFacts) -> dict[str, Any]:
    return {
        "group": found.group,
        "filters": found.filters.as_params(),
        "facts": {fact: str(FACT_LABELS[fact]) for fact in FACTS},
        "total": row_of(found.total),
        "rows": [row_of(row) for row in found.rows],
    }


def item_of(fact: str, obj: Any) -> dict[str, Any]:
    """One counted object: what it is, its city, its date and its page."""
    date = getattr(obj, "kf_date", None)
    item: dict[str, Any] = {
        "id": obj.pk,
        "date": date.isoformat() if date is not None else None,
        "priority_area": obj.kf_area or None,
    }
    if fact == "ideas":
        item.update(
            kind="idea",
            title=obj.title,
            city=obj.challenge.city.name,
            url=reverse("portfolio:idea", args=(obj.pk,)),
        )
    elif fact == "problems":
        item.update(
            kind="challenge",
            title=obj.title,
            city=obj.city.name,
            url=reverse("portfolio:challenge", args=(obj.pk,)),
        )
    elif fact in ("solutions", "evaluated"):
        item.update(
            kind="solution",
            title=obj.title,
            city=obj.city.name,
            url=reverse("portfolio:solution", args=(obj.pk,)),
        )
    elif fact == "funding":
        item.update(
            kind="application",
            title=obj.title,
            city=obj.city.name,
            url=reverse("funding:application", args=(obj.pk,)),
            currency=obj.currency,
            amount_awarded=str(obj.amount_awarded),
            match_amount=str(obj.match_amount) if obj.match_amount is not None else None,
        )
    else:  # outcomes: an evaluation's newest result
        plan = obj.plan
        item.update(
            kind="evaluation_result",
            title=plan.title,
            city=plan.city.name,
            solution=plan.solution.title,
            url=reverse("evaluation:result", args=(plan.pk, obj.pk)),
            estimate=obj.estimate.get("estimate"),
            ci_low=obj.kf_low,
            ci_high=obj.kf_high,
            strength=obj.strength,
        )
    return item
