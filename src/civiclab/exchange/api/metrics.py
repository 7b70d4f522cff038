"""Shared metric definitions: the registry, publishing, adopting, the cross-city comparison."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id, Page
from civiclab.datasets.queries import visible_datasets
from civiclab.exchange.queries.metrics import comparison, visible_metrics
from civiclab.exchange.schemas.metrics import (
    AdoptionOut,
    ComparisonOut,
    MetricAdopt,
    MetricOut,
    MetricPublish,
)
from civiclab.exchange.services import metrics as services
from civiclab.indicators.queries import visible_indicators

router = Router(tags=["exchange"])


@router.get(
    "/metrics",
    response={200: list[MetricOut], **READ_ERRORS},
    operation_id="list_exchange_metrics",
    summary="The shared metrics of your networks",
)
@paginate(Page)
def list_metrics(request: ApiRequest):  # type: ignore[no-untyped-def]
    return visible_metrics(request.auth)


@router.post(
    "/metrics",
    response={201: MetricOut, **ERRORS},
    operation_id="publish_exchange_metric",
    summary="Publish an indicator's definition to the network's registry",
)
def publish_metric(request: ApiRequest, payload: MetricPublish) -> Status:
    indicator = get_object_or_404(visible_indicators(request.auth), pk=payload.indicator)
    metric = services.publish(
        request.auth,
        indicator,
        name=payload.name,
        description=payload.description,
        denominator=payload.denominator,
        per=payload.per,
        denominator_label=payload.denominator_label,
    )
    return Status(201, metric)


@router.get(
    "/metrics/{pk}",
    response={200: MetricOut, **READ_ERRORS},
    operation_id="get_exchange_metric",
    summary="A shared metric's definition",
)
def get_metric(request: ApiRequest, pk: Id) -> Any:
    return get_object_or_404(visible_metrics(request.auth), pk=pk)


@router.post(
    "/metrics/{pk}/adoptions",
    response={201: AdoptionOut, **ERRORS},
    operation_id="adopt_exchange_metric",
    summary="Measure a shared metric in your city (a new indicator on your dataset)",
)
def adopt_metric(request: ApiRequest, pk: Id, payload: MetricAdopt) -> Status:
    metric = get_object_or_404(visible_metrics(request.auth), pk=pk)
    if (payload.dataset is None) == (payload.indicator is None):
        raise ValidationError({"dataset": "Give a dataset or an indicator."})
    dataset = (
        get_object_or_404(visible_datasets(request.auth), pk=payload.dataset)
        if payload.dataset is not None
        else None
    )
    indicator = (
        get_object_or_404(visible_indicators(request.auth), pk=payload.indicator)
        if payload.indicator is not None
        else None
    )
    adoption = services.adopt(
        request.auth,
        metric,
        dataset=dataset,
        indicator=indicator,
        name=payload.name,
        visibility=payload.visibility,
        denominator_value=payload.denominator_value,
    )
    return Status(201, adoption)


@router.get(
    "/metrics/{pk}/comparison",
    response={200: ComparisonOut, **READ_ERRORS},
    operation_id="compare_exchange_metric",
    summary="Each adopting city's latest value, normalised; cities below the minimum hidden",
)
def compare_metric(request: ApiRequest, pk: Id) -> dict[str, Any]:
    metric = get_object_or_404(visible_metrics(request.auth), pk=pk)
    compared = comparison(request.auth, metric)
    rows = []
    for row in compared["rows"]:
        shown = row.status in ("shown", "no_denominator")
        rows.append(
            {
                "city": row.city.slug,
                "indicator": row.indicator.pk,
                "status": row.status,
                "value": row.value if shown else None,
                "normalised": row.normalised if row.status == "shown" else None,
                "n": row.n if shown else None,
                "period_start": row.period_start if shown else None,
            }
        )
    return {
        "metric": metric.pk,
        "min_records": compared["min_records"],
        "shown": compared["shown"],
        "hidden": compared["hidden"],
        "rows": rows,
    }
