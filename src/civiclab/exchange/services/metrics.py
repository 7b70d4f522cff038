"""Shared metric definitions: publish an indicator's definition to the network's registry, and
adopt one in another city. Checked, validated, audited (``metric.publish``, ``metric.adopt``).

Publishing shares a definition with the network, so it needs the right to edit the indicator
and to publish in its city (``check_may_share`` at network visibility: city admins). Adopting
creates the city's own indicator through ``indicators.services.create_indicator`` (its checks
and its audit event apply), or links an indicator the city already has with the very same
definition; one adoption per city and metric.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Visibility
from civiclab.core.services import check, check_may_share
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, visible_datasets
from civiclab.exchange.models.metrics import DENOMINATORS, MetricAdoption, SharedMetric
from civiclab.exchange.queries.metrics import visible_metrics
from civiclab.exchange.services.forks import compatible, needed_types
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators

MAX_NAME = 200


def definition_of(spec: dict[str, Any]) -> dict[str, Any]:
    """What makes two indicators measure the same thing the same way: the measure, the period
    and the time column, the filters and the polarity (not the breakdown, not the dataset)."""
    time = spec.get("time") or {}
    return {
        "measure": spec.get("measure"),
        "aggregation": time.get("period", ""),
        "time_column": time.get("column", ""),
        "filters": spec.get("filters") or [],
        "polarity": spec.get("polarity", "lower_is_better"),
    }


def metric_definition(metric: SharedMetric) -> dict[str, Any]:
    return {
        "measure": metric.measure,
        "aggregation": metric.aggregation,
        "time_column": metric.time_column,
        "filters": metric.filters,
        "polarity": metric.polarity,
    }


def metric_spec(metric: SharedMetric) -> dict[str, Any]:
    """The indicator spec an adopting city's indicator is created with (its dataset added)."""
    spec: dict[str, Any] = {"measure": metric.measure, "polarity": metric.polarity}
    if metric.time_column:
        spec["time"] = {"column": metric.time_column, "period": metric.aggregation or "month"}
    if metric.filters:
        spec["filters"] = metric.filters
    if metric.unit:
        spec["unit"] = metric.unit
    return spec


@transaction.atomic
def publish(
    by: Any,
    indicator: Indicator,
    *,
    name: str = "",
    description: str = "",
    denominator: str = "population",
    per: int = 1000,
    denominator_label: str = "",
) -> SharedMetric:
    """Publish ``indicator``'s definition to its network's registry; the indicator is its
    city's adoption."""
    if by is not None and not visible_indicators(by).filter(pk=indicator.pk).exists():
        raise ValidationError({"indicator": _("No such indicator.")})
    check(by, Action.EDIT, indicator, DEFAULT_POLICY)
    check_may_share(by, indicator, Visibility.NETWORK)
    if MetricAdoption.objects.filter(indicator=indicator).exists():
        raise ValidationError({"indicator": _("This indicator already measures a shared metric.")})
    name = (name or indicator.name).strip()[:MAX_NAME]
    if denominator not in dict(DENOMINATORS):
        raise ValidationError({"denominator": _("Choose population, custom or none.")})
    definition = definition_of(indicator.spec)
    measure = definition["measure"] or {}
    if denominator != "none" and measure.get("type") == "per_capita":
        raise ValidationError(
            {"denominator": _("The measure is already per capita: choose “As measured”.")}
        )
    if denominator == "custom" and not denominator_label.strip():
        raise ValidationError(
            {"denominator_label": _("Name the denominator (e.g. km of streets).")}
        )
    slug = slugify(name)[:100] or "metric"
    network = indicator.city.network
    if SharedMetric.objects.filter(network=network, slug=slug).exists():
        raise ValidationError(
            {"name": _("The network's registry already has a metric of this name.")}
        )
    metric = SharedMetric(
        network=network,
        publisher_city=indicator.city,
        source_indicator=indicator,
        name=name,
        slug=slug,
        description=description,
        unit=str(indicator.spec.get("unit") or ""),
        columns=needed_types(indicator.dataset, indicator.spec),
        denominator=denominator,
        denominator_label=denominator_label.strip()[:100],
        per=per,
        published_by=by if getattr(by, "is_authenticated", False) else None,
        **definition,
    )
    metric.full_clean()
    metric.save()
    MetricAdoption.objects.create(
        metric=metric, indicator=indicator, city=indicator.city, adopted_by=metric.published_by
    )
    record(by, "metric.publish", metric, city=indicator.city, indicator=indicator.pk)
    return metric


@transaction.atomic
def adopt(
    by: Any,
    metric: SharedMetric,
    *,
    dataset: Dataset | None = None,
    indicator: Indicator | None = None,
    name: str = "",
    visibility: str = Visibility.CITY,
    denominator_value: float | None = None,
) -> MetricAdoption:
    """``dataset``'s city measures ``metric``: a new indicator with its definition over
    ``dataset``, or ``indicator`` (the city's own, with the same definition)."""
    if by is not None and not visible_metrics(by).filter(pk=metric.pk).exists():
        raise ValidationError({"metric": _("No such shared metric.")})
    if (dataset is None) == (indicator is None):
        raise ValidationError({"dataset": _("Choose a dataset (or one of your indicators).")})
    if metric.denominator == "custom" and not denominator_value:
        raise ValidationError(
            {
                "denominator_value": _("Give your city's figure for: %(denominator)s.")
                % {"denominator": metric.denominator_label or _("the denominator")}
            }
        )
    if denominator_value is not None and denominator_value <= 0:
        raise ValidationError({"denominator_value": _("The denominator must be above zero.")})
    if indicator is not None:
        if by is not None and not visible_indicators(by).filter(pk=indicator.pk).exists():
            raise ValidationError({"indicator": _("No such indicator.")})
        check(by, Action.EDIT, indicator, DEFAULT_POLICY)
        if definition_of(indicator.spec) != metric_definition(metric):
            raise ValidationError(
                {
                    "indicator": _(
                        "The indicator measures something else (its measure, period, "
                        "filters or polarity differ from the shared definition)."
                    )
                }
            )
        city = indicator.city
    else:
        assert dataset is not None
        if by is not None and not visible_datasets(by).filter(pk=dataset.pk).exists():
            raise ValidationError({"dataset": _("No such dataset.")})
        _columns_fit(dataset, metric.columns)
        city = dataset.city
    if city.network_id != metric.network_id:
        raise ValidationError({"dataset": _("The city is not in the metric's network.")})
    if MetricAdoption.objects.filter(metric=metric, city=city).exists():
        raise ValidationError({"metric": _("Your city already measures this metric.")})
    if indicator is None:
        assert dataset is not None
        indicator = indicators.create_indicator(
            by,
            dataset,
            (name or metric.name).strip()[:MAX_NAME],
            metric_spec(metric),
            visibility=visibility,
        )
    elif MetricAdoption.objects.filter(indicator=indicator).exists():
        raise ValidationError({"indicator": _("This indicator already measures a shared metric.")})
    try:
        with transaction.atomic():
            adoption = MetricAdoption.objects.create(
                metric=metric,
                indicator=indicator,
                city=city,
                denominator_value=denominator_value,
                adopted_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ValidationError({"metric": _("Your city already measures this metric.")}) from None
    record(by, "metric.adopt", metric, city=city, indicator=indicator.pk)
    return adoption


def _columns_fit(dataset: Dataset, needed: dict[str, str]) -> None:
    """Refuse ``dataset`` unless it holds every column the definition reads, each of a
    compatible type; the refusal names the missing columns and those of another type."""
    if dataset.current_version is None:
        raise ValidationError(
            {"dataset": _("The dataset %(name)s has no data yet.") % {"name": dataset.name}}
        )
    types = column_types(dataset.current_version)
    missing = sorted(c for c in needed if c not in types)
    other = sorted(
        _("%(column)s is %(found)s, not %(needed)s") % {"column": c, "found": types[c], "needed": t}
        for c, t in needed.items()
        if c in types and not compatible(t, types[c])
    )
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if other:
        problems.append(_("columns of another type: %(columns)s") % {"columns": ", ".join(other)})
    if problems:
        raise ValidationError(
            {
                "dataset": _("The dataset %(name)s does not fit the definition: %(problems)s.")
                % {"name": dataset.name, "problems": "; ".join(problems)}
            }
        )
