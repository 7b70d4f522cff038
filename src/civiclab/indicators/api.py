"""REST routes for indicators: the catalogue, writes through the services, and results
(series, run-chart signals, goal progress, equity gaps), plus a preview of an unsaved spec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Page
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.services import check
from civiclab.datasets.engine import QueryError
from civiclab.datasets.filters.language import SpecError
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators import services
from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.engine.spec import IndicatorSpec, parse_spec
from civiclab.indicators.labels import progress_words, y_label
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.indicators.schemas import (
    EquityOut,
    EvaluateIn,
    GoalOut,
    IndicatorDetail,
    IndicatorIn,
    IndicatorOut,
    IndicatorUpdate,
    SeriesOut,
    SignalsOut,
)
from civiclab.network.models import City
from civiclab.network.queries import visible_cities

router = Router(tags=["indicators"])
INDICATORS = "/cities/{slug}/indicators"
INDICATOR = INDICATORS + "/{indicator}"


def _city(request: ApiRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.auth), slug=slug)


def _dataset(request: ApiRequest, city: City, slug: str) -> Dataset:
    return get_object_or_404(visible_datasets(request.auth), city=city, slug=slug)


def _indicator(request: ApiRequest, slug: str, indicator: str) -> Indicator:
    return get_object_or_404(visible_indicators(request.auth), city__slug=slug, slug=indicator)


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_indicators",
    summary="Indicators you can see",
)
@paginate(Page)
def list_indicators(
    request: ApiRequest, city: str | None = Query(None, description="Only this city's (slug)")
):
    indicators = visible_indicators(request.auth).order_by("city__slug", "name", "pk")
    if city:
        indicators = indicators.filter(city__slug=city)
    return indicators


@router.post(
    INDICATORS,
    response={201: IndicatorDetail, **ERRORS},
    operation_id="create_indicator",
    summary="Define an indicator over a dataset of the city (members)",
    description=(
        "The spec is checked against the dataset's columns: a `422` names each problem by "
        "its place in the spec (`details[].field` is `spec`, the message starts with the "
        "path, e.g. `measure.column: the dataset has no column 'Nope'`). A dataset you cannot "
        "see is a `404`."
    ),
)
def create_indicator(
    request: ApiRequest, slug: str, payload: IndicatorIn, response: HttpResponse
) -> Status:
    city = _city(request, slug)
    dataset = _dataset(request, city, payload.dataset)
    fields = payload.dict(exclude={"name", "dataset", "spec"})
    made = services.create_indicator(request.auth, dataset, payload.name, payload.spec, **fields)
    response["Location"] = reverse(
        "api:get_indicator", kwargs={"slug": city.slug, "indicator": made.slug}
    )
    return Status(201, _indicator(request, slug, made.slug))


# Before the routes of one indicator, so that "evaluate" is not read as an indicator's slug.
@router.post(
    f"{INDICATORS}/evaluate",
    response={200: SeriesOut, **ERRORS},
    operation_id="evaluate_indicator_spec",
    summary="Compute a spec's series without saving it (members)",
    description=(
        "A preview: `spec.dataset` is the slug of a dataset of the city. Needs the right to "
        "create indicators in the city; a dataset you cannot see is a `404`, a spec that "
        "does not fit it a `422` naming the problems."
    ),
)
def evaluate_indicator_spec(request: ApiRequest, slug: str, payload: EvaluateIn) -> dict:
    city = _city(request, slug)
    check(
        request.auth,
        Action.CREATE,
        Target(city.network_id, city.pk, Visibility.CITY),
        DEFAULT_POLICY,
    )
    name = payload.spec.get("dataset")
    if not isinstance(name, str) or not name:
        raise ValidationError({"spec": ["dataset: the spec needs the dataset's slug"]})
    dataset = _dataset(request, city, name)
    spec = services.validated_spec(dataset, payload.spec)
    try:
        return {
            "overall": _series(dataset, spec, None),
            "breakdown": _series(dataset, spec, spec.breakdown) if spec.breakdown else [],
            "equity": _series(dataset, spec, spec.equity) if spec.equity else [],
        }
    except (SpecError, QueryError) as exc:
        return {"overall": [], "breakdown": [], "equity": [], "error": str(exc)}


def _series(
    dataset: Dataset, spec: IndicatorSpec, by: str | list[str] | None
) -> list[dict[str, Any]]:
    """The spec's points split by ``by`` (or not at all), as the saved series has them."""
    points = services.compute(dataset, spec.model_copy(update={"breakdown": by}))
    return _points(points)


# An indicator whose slug is "evaluate" shares its address with the preview: these hidden
# routes answer its GET, PATCH and DELETE, which would otherwise be a 405.
def _points(points: Sequence[Point]) -> list[dict[str, Any]]:
    return [
        {"period": p.period, "start": p.start, "group": p.group, "other": p.other,
         "value": p.value, "n": p.n}
        for p in points
    ]  # fmt: skip


@router.get(
    INDICATOR,
    response={200: IndicatorDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_indicator",
    summary="One indicator, with its spec and goal",
)
def get_indicator(request: ApiRequest, slug: str, indicator: str) -> Indicator:
    return _indicator(request, slug, indicator)


@router.patch(
    INDICATOR,
    response={200: IndicatorDetail, **ERRORS},
    operation_id="update_indicator",
    summary="Change an indicator (members; visibility: city admins)",
    description="Only the fields sent change; a new spec is checked as on creation.",
)
def update_indicator(
    request: ApiRequest, slug: str, indicator: str, payload: IndicatorUpdate
) -> Indicator:
    found = _indicator(request, slug, indicator)
    # Refuse before the spec is checked, so a refused caller learns nothing of the columns.
    check(request.auth, Action.EDIT, found, DEFAULT_POLICY)
    changes = payload.dict(exclude_unset=True)
    for key in ("name", "description", "spec", "visibility"):
        if key in changes and changes[key] is None:
            del changes[key]  # null means "unchanged" for fields that cannot be empty
    if changes.get("owner") is not None:
        owner = get_user_model().objects.filter(pk=changes["owner"]).first()
        if owner is None:  # said as the service says a non-member: ids are not probed
            raise ValidationError({"owner": _("The owner must be a member of the city.")})
        changes["owner"] = owner
    services.update_indicator(request.auth, found, **changes)
    return _indicator(request, slug, found.slug)


@router.delete(
    INDICATOR,
    response={204: None, **ERRORS},
    operation_id="delete_indicator",
    summary="Delete an indicator (city admins)",
)
def delete_indicator(request: ApiRequest, slug: str, indicator: str) -> Status:
    services.delete_indicator(request.auth, _indicator(request, slug, indicator))
    return Status(204, None)


@router.get(
    f"{INDICATOR}/series",
    response={200: SeriesOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_indicator_series",
    summary="The indicator's values per period: overall, by breakdown and by equity group",
    description=(
        "Computed over the dataset's current version and kept until the dataset or the spec "
        "changes. `error` says why a series could not be computed (the lists are then empty)."
    ),
)
def get_indicator_series(request: ApiRequest, slug: str, indicator: str) -> dict:
    return services.results(_indicator(request, slug, indicator))


@router.get(
    f"{INDICATOR}/signals",
    response={200: SignalsOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_indicator_signals",
    summary="Run-chart rules and XmR limits over the overall series",
    description=(
        "Median and runs of the run chart, with the range of runs expected by chance; XmR "
        "centre and natural process limits; and the signals of non-random change (shift, "
        "trend, too few or too many runs, astronomical point), each with its periods."
    ),
)
def get_indicator_signals(request: ApiRequest, slug: str, indicator: str) -> dict:
    report = services.report(_indicator(request, slug, indicator))
    periods = [p["period"] for p in report["series"]["overall"]]
    chart = report["run_chart"]
    return {
        "median": chart.median,
        "runs": chart.runs,
        "useful": chart.useful,
        "runs_range": list(chart.runs_range) if chart.runs_range else None,
        "xmr": chart.xmr,
        "signals": [
            {
                "rule": s.rule,
                "points": [periods[i] for i in s.points],
                "description": s.description,
            }
            for s in chart.signals
        ],
    }


@router.get(
    f"{INDICATOR}/goal",
    response={200: GoalOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_indicator_goal",
    summary="Progress from the baseline towards the target, and whether it is on track",
)
def get_indicator_goal(request: ApiRequest, slug: str, indicator: str) -> dict:
    found = _indicator(request, slug, indicator)
    goal = services.report(found)["goal"]
    unit = y_label(parse_spec(found.spec))
    return {**goal.__dict__, "target_date": found.target_date,
            "summary": progress_words(goal, unit)}  # fmt: skip


@router.get(
    f"{INDICATOR}/equity",
    response={200: EquityOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_indicator_equity",
    summary="The gap between the best and worst group per period, and its trend",
    description=(
        "Groups are the spec's `equity` column, else its `breakdown`; with neither, `gaps` "
        "is empty."
    ),
)
def get_indicator_equity(request: ApiRequest, slug: str, indicator: str) -> dict:
    equity = services.report(_indicator(request, slug, indicator))["equity"]
    if equity is None:
        return {
            "gaps": [],
            "widening_while_improving": False,
            "explanation": "The spec has no equity or breakdown column to compare groups.",
        }
    return {
        "gaps": equity.gaps,
        "widening_while_improving": equity.widening_while_improving,
        "explanation": equity.explanation,
    }
