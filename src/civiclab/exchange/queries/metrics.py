"""Scoped reads of the shared metric registry and the cross-city comparison.

A shared metric is a definition published to a network: its members (and the network's admins)
see it. Each adopting city's numbers are read through its indicator, and only when the reader
may see that indicator now (``indicators.queries.visible_indicators``): a city whose indicator
is not visible to the reader is not listed, not counted, not named.

The comparison shows each city's latest value with data, normalised by the metric's denominator
(the city's population, or the figure the city gave when adopting), and that value's own
period date. A value computed from fewer than ``MIN_RECORDS`` rows is hidden — the city is
listed with "too few records", never with its number or its count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.scoping import actor_for
from civiclab.exchange.models.metrics import MetricAdoption, SharedMetric
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators

# Below this many underlying records, a city's latest value is not shown in the comparison
# (too few to compare, and small counts can single people out). Documented in docs/exchange.
MIN_RECORDS = 10


def visible_metrics(user: Any) -> QuerySet[SharedMetric]:
    """The shared metrics of the networks ``user`` belongs to (any role there)."""
    actor = actor_for(user)
    networks = {g.network_id for g in actor.grants}
    return SharedMetric.objects.filter(network_id__in=networks).select_related(
        "network", "publisher_city"
    )


def visible_adoptions(user: Any, metric: SharedMetric) -> QuerySet[MetricAdoption]:
    """The metric's adoptions whose indicator ``user`` may see now."""
    return metric.adoptions.filter(
        indicator__in=visible_indicators(user).values("pk")
    ).select_related(
        "city",
        "indicator",
        "indicator__dataset",
        "indicator__dataset__city",
        "indicator__dataset__current_version",
    )


def metric_of(user: Any, indicator: Indicator) -> SharedMetric | None:
    """The shared metric ``indicator`` measures, when ``user`` may see it."""
    adoption = MetricAdoption.objects.filter(indicator=indicator).first()
    if adoption is None:
        return None
    return visible_metrics(user).filter(pk=adoption.metric_id).first()


@dataclass
class CityValue:
    """One adopting city's row of the comparison."""

    city: Any
    indicator: Indicator
    status: str  # "shown", "too_few", "no_data", "no_denominator"
    value: float | None = None  # the latest value as measured (shown only)
    normalised: float | None = None
    n: int | None = None
    period_start: str | None = None  # the latest data's own period (shown only)
    denominator: float | None = None


def comparison(user: Any, metric: SharedMetric) -> dict[str, Any]:
    """The rows (shown first, by normalised value; then hidden ones by city name) and counts of
    what the reader may see."""
    from civiclab.indicators.services import results

    rows: list[CityValue] = []
    for adoption in visible_adoptions(user, metric):
        indicator = adoption.indicator
        overall = results(indicator).get("overall", [])
        latest = next((p for p in reversed(overall) if p.get("value") is not None), None)
        row = CityValue(adoption.city, indicator, "no_data")
        if latest is not None:
            row = _normalised(metric, adoption, latest)
        rows.append(row)
    shown = sorted((r for r in rows if r.status == "shown"), key=lambda r: r.normalised or 0.0)
    hidden = sorted((r for r in rows if r.status != "shown"), key=lambda r: r.city.name)
    return {
        "rows": shown + hidden,
        "shown": len(shown),
        "hidden": len(hidden),
        "min_records": MIN_RECORDS,
    }


def _normalised(metric: SharedMetric, adoption: MetricAdoption, point: dict[str, Any]) -> CityValue:
    city, indicator = adoption.city, adoption.indicator
    n = int(point.get("n") or 0)
    if n < MIN_RECORDS:
        return CityValue(city, indicator, "too_few")
    value = float(point["value"])
    denominator: float | None
    if metric.denominator == "population":
        denominator = float(city.population) if city.population else None
    elif metric.denominator == "custom":
        denominator = adoption.denominator_value
    else:
        denominator = 1.0
    start = point.get("start")
    if not denominator:
        return CityValue(city, indicator, "no_denominator", value=value, n=n, period_start=start)
    per = metric.per if metric.denominator != "none" else 1
    return CityValue(
        city,
        indicator,
        "shown",
        value=value,
        normalised=value / denominator * per,
        n=n,
        period_start=start,
        denominator=denominator,
    )


def same_metric_indicator_ids(indicator: Indicator) -> set[int]:
    """The other indicators measuring the shared metric ``indicator`` measures: the evaluation's
    donor hook (the evaluation keeps its own visibility rules on top)."""
    metric_ids = MetricAdoption.objects.filter(indicator=indicator).values("metric_id")
    return set(
        MetricAdoption.objects.filter(metric_id__in=metric_ids)
        .filter(~Q(indicator_id=indicator.pk))
        .values_list("indicator_id", flat=True)
    )
