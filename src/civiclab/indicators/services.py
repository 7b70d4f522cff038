"""Indicator writes and computations: checked, audited, cached per dataset version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.services import apply_changes, check, check_may_share
from civiclab.datasets.engine import CityQuery, QueryError
from civiclab.datasets.filters.language import SpecError
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, owner_candidates, version_query
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.equity import equity_view
from civiclab.indicators.engine.evaluate import Point, evaluate
from civiclab.indicators.engine.goals import contradicts, progress
from civiclab.indicators.engine.grid import GridLimits, GridTooLarge, check_grid
from civiclab.indicators.engine.runchart import analyse
from civiclab.indicators.engine.spec import IndicatorSpec, parse_spec
from civiclab.indicators.models import Indicator, IndicatorResult
from civiclab.indicators.problems import translated_problems

# Words the indicator pages and API use after /indicators/.
RESERVED_SLUGS = {"new", "evaluate"}


def validated_spec(dataset: Dataset, data: dict[str, Any]) -> IndicatorSpec:
    """Parse and compile the spec against the dataset's columns, and check that its series
    are not too big for the data; errors name their place."""
    try:
        spec = parse_spec({**data, "dataset": dataset.slug})
        if dataset.current_version is None:
            raise ValidationError({"spec": f"The dataset {dataset.name} has no data yet."})
        compile_spec(
            spec,
            column_types(dataset.current_version),
            dataset.city.timezone,
            population=dataset.city.population,
        )
        check_size(dataset, spec)
    except GridTooLarge as exc:
        (problem,) = translated_problems(exc)
        field = problem[0] if problem[0] in ("breakdown", "breakdown_top") else "period"
        raise ValidationError({field: problem[1]}) from None
    except SpecError as exc:
        problems = translated_problems(exc)
        raise ValidationError({"spec": [f"{p}: {m}" for p, m in problems]}) from None
    return spec


def grid_limits() -> GridLimits:
    return GridLimits(settings.INDICATOR_MAX_GROUPS, settings.INDICATOR_MAX_CELLS)


def check_size(dataset: Dataset, spec: IndicatorSpec) -> None:
    """GridTooLarge when the spec's series (by its breakdown, by its equity column) would be
    bigger than the limits — counted in one scan, before any value is computed."""
    version = dataset.current_version
    if version is None:
        return
    columns = column_types(version)
    splits: list[str | list[str] | None] = [by for by in (spec.breakdown, spec.equity) if by]
    with _query(dataset) as query:
        for by in splits or [None]:
            compiled = compile_spec(
                spec.model_copy(update={"breakdown": by}), columns, dataset.city.timezone,
                population=dataset.city.population,
            )  # fmt: skip
            check_grid(compiled, query.execute_arrow, grid_limits())


def _query(dataset: Dataset) -> CityQuery:
    version = dataset.current_version
    assert version is not None
    return version_query(version, dataset.slug)


@transaction.atomic
def create_indicator(
    by: Any, dataset: Dataset, name: str, spec: dict[str, Any], **fields: Any
) -> Indicator:
    visibility = fields.pop("visibility", Visibility.CITY)
    target = Target(dataset.city.network_id, dataset.city_id, Visibility(visibility))
    check(by, Action.CREATE, target, DEFAULT_POLICY)
    check_may_share(by, target, visibility)
    _no_wider_than_dataset(visibility, dataset)
    chosen = fields.pop("owner", None)  # else its creator owns it
    if chosen is not None:
        _check_owner(chosen, dataset.city_id)
    owner = chosen or by
    parsed = validated_spec(dataset, spec)
    check_target(dataset, parsed, fields)
    slug = slugify(name)[:100] or "indicator"
    if slug in RESERVED_SLUGS:
        raise ValidationError({"name": f"{name!r} would clash with a page's address."})
    indicator = Indicator(
        city=dataset.city,
        dataset=dataset,
        name=name,
        slug=slug,
        spec=parsed.model_dump(mode="json", exclude_none=True),
        visibility=visibility,
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        **fields,
    )
    indicator.full_clean()
    try:
        with transaction.atomic():
            indicator.save()
    except IntegrityError:
        raise ValidationError(
            {"name": "The city already has an indicator with this name."}
        ) from None
    record(by, "indicator.create", indicator)
    return indicator


@transaction.atomic
def update_indicator(by: Any, indicator: Indicator, **changes: Any) -> Indicator:
    if "spec" in changes:
        changes["spec"] = validated_spec(indicator.dataset, changes["spec"]).model_dump(
            mode="json", exclude_none=True
        )
    if "visibility" in changes:
        _no_wider_than_dataset(changes["visibility"], indicator.dataset)
    if changes.get("owner") is not None:
        _check_owner(changes["owner"], indicator.city_id)
    if GOAL_FIELDS.intersection(changes):
        goal = {name: changes.get(name, getattr(indicator, name)) for name in GOAL_FIELDS}
        spec = changes.get("spec", indicator.spec)
        check_target(indicator.dataset, parse_spec({**spec, "dataset": indicator.dataset.slug}),
                     goal)  # fmt: skip
    diff = apply_changes(by, indicator, changes, DEFAULT_POLICY)
    record(by, "indicator.update", indicator, changes=diff)
    return indicator


@transaction.atomic
def delete_indicator(by: Any, indicator: Indicator) -> None:
    check(by, Action.DELETE, indicator, DEFAULT_POLICY)
    record(by, "indicator.delete", indicator)
    indicator.delete()


# What a goal is made of: changing any of them (or the spec) checks the target again.
GOAL_FIELDS = frozenset({"spec", "target_value", "baseline_start", "baseline_end"})


def check_target(dataset: Dataset, spec: IndicatorSpec, goal: dict[str, Any]) -> None:
    """Refuse a target on the wrong side of the baseline for the indicator's direction.

    A target is an improvement to aim at: "lower is better" with a target above the baseline
    is a slip in one of the two, and every status and progress figure after it would be
    nonsense. The baseline comes from the data, so it is checked when the data has one (the
    page says so again if later data moves the baseline past the target).
    """
    target = goal.get("target_value")
    if target is None or dataset.current_version is None:
        return
    try:
        overall = _points_json(compute(dataset, spec.model_copy(update={"breakdown": None})))
    except QueryError:  # the series cannot be computed now: its page will say why
        return
    baseline = baseline_of(overall, goal.get("baseline_start"), goal.get("baseline_end"))
    lower_is_better = spec.polarity == "lower_is_better"
    if baseline is None or not contradicts(baseline, target, lower_is_better):
        return
    numbers = {"target": number_format(target), "baseline": number_format(baseline)}
    if lower_is_better:
        message = _(
            "Lower is better, but the target (%(target)s) is above the baseline "
            "(%(baseline)s): a target must improve on the baseline. Lower the target, or "
            "choose “Higher is better”."
        )
    else:
        message = _(
            "Higher is better, but the target (%(target)s) is below the baseline "
            "(%(baseline)s): a target must improve on the baseline. Raise the target, or "
            "choose “Lower is better”."
        )
    raise ValidationError({"target_value": message % numbers})


def number_format(value: float) -> str:
    """A number as the reader's language writes it (1,234.5 or 1 234,5), two decimals at most."""
    rounded = float(round(value, 2))
    shown = int(rounded) if rounded.is_integer() else rounded
    return formats.number_format(shown, use_l10n=True, force_grouping=True)


def _check_owner(owner: Any, city_id: int) -> None:
    """A chosen owner of an indicator (reminded when its data is due an update) is an active
    member of its city."""
    if not owner_candidates(city_id).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("The owner must be a member of the city.")})


def _no_wider_than_dataset(visibility: str, dataset: Dataset) -> None:
    """An indicator shows numbers from its dataset: it may not be seen more widely."""
    if Visibility(visibility).breadth > Visibility(dataset.visibility).breadth:
        raise ValidationError(
            {
                "visibility": f"The dataset {dataset.name} is visible to fewer people "
                f"({dataset.visibility}): the indicator cannot be {visibility}."
            }
        )


def spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def compute(dataset: Dataset, spec: IndicatorSpec) -> Sequence[Point]:
    """Evaluate a spec over the dataset's current version."""
    version = dataset.current_version
    if version is None:
        return []
    columns = column_types(version)
    with _query(dataset) as query:
        return evaluate(
            spec,
            columns,
            dataset.city.timezone,
            query.execute_arrow,
            population=dataset.city.population,
            limits=grid_limits(),
        )


def _points_json(points: Sequence[Point]) -> list[dict[str, Any]]:
    """The points as the cached series keeps them; ``other`` only on Other's (breakdown_top)."""
    return [
        {"period": p.period, "start": p.start.isoformat() if p.start else None,
         "group": p.group, "value": p.value, "n": p.n, **({"other": True} if p.other else {})}
        for p in points
    ]  # fmt: skip


def results(indicator: Indicator) -> dict[str, Any]:
    """The indicator's series (overall, by breakdown, by equity group), cached per dataset
    version and spec: a new version or an edited spec computes afresh."""
    dataset = indicator.dataset
    version = dataset.current_version
    if version is None:
        return {"overall": [], "breakdown": [], "equity": []}
    key = spec_hash(indicator.spec)
    cached = IndicatorResult.objects.filter(
        indicator=indicator, version=version, spec_hash=key
    ).first()
    if cached is not None:
        return cached.series
    spec = parse_spec(indicator.spec)
    try:
        series = {
            "overall": _points_json(compute(dataset, spec.model_copy(update={"breakdown": None}))),
            "breakdown": _points_json(compute(dataset, spec)) if spec.breakdown else [],
            "equity": _points_json(
                compute(dataset, spec.model_copy(update={"breakdown": spec.equity}))
            )
            if spec.equity
            else [],
        }
    except SpecError as exc:
        # Not cached: said afresh, in the reader's language, on every read.
        problems = "; ".join(f"{path}: {message}" for path, message in translated_problems(exc))
        return {"overall": [], "breakdown": [], "equity": [], "error": problems}
    except QueryError as exc:
        return {"overall": [], "breakdown": [], "equity": [], "error": str(exc)}
    IndicatorResult.objects.update_or_create(
        indicator=indicator, version=version, spec_hash=key, defaults={"series": series}
    )
    # Results for an older version or spec are not read again (a rollback recomputes).
    IndicatorResult.objects.filter(indicator=indicator).exclude(
        version=version, spec_hash=key
    ).delete()
    return series


def report(indicator: Indicator) -> dict[str, Any]:
    """Everything the indicator page and API show: series, signals, goals, equity."""
    series = results(indicator)
    spec = parse_spec(indicator.spec)
    lower_is_better = spec.polarity == "lower_is_better"
    overall = series["overall"]
    values = [p["value"] for p in overall]
    chart = analyse(values)
    starts = [dt.date.fromisoformat(p["start"]) if p["start"] else None for p in overall]
    baseline = _baseline(overall, indicator)
    goal = progress(
        values,
        starts,
        baseline,
        indicator.target_value,
        indicator.target_date,
        lower_is_better,
        period=spec.time.period if spec.time else None,
    )
    equity_points = [
        Point(p["period"], p["value"], p["n"], p["group"], other=p.get("other", False))
        for p in (series["equity"] or series["breakdown"])
    ]
    equity = equity_view(values, equity_points, lower_is_better) if equity_points else None
    return {
        "series": series,
        "run_chart": chart,
        "goal": goal,
        "equity": equity,
        "error": series.get("error"),
    }


def _baseline(overall: list[dict[str, Any]], indicator: Indicator) -> float | None:
    return baseline_of(overall, indicator.baseline_start, indicator.baseline_end)


def baseline_of(
    overall: list[dict[str, Any]], start: dt.date | None, end: dt.date | None
) -> float | None:
    """The mean of the values in the baseline periods (default: the first period with a
    value). Periods are the city's local calendar, so the dates are local too."""
    values = [
        p["value"]
        for p in overall
        if p["value"] is not None
        and p["start"] is not None
        and (start is None or p["start"] >= start.isoformat())
        and (end is None or p["start"] <= end.isoformat())
    ]
    if not values:
        return None
    if start is None and end is None:
        return values[0]  # type: ignore[no-any-return]
    return sum(values) / len(values)


def refresh_dataset_indicators(dataset_id: int) -> int:
    """Compute the indicators of a dataset for its new version (run by the worker)."""
    count = 0
    for indicator in Indicator.objects.filter(dataset_id=dataset_id).select_related(
        "dataset", "dataset__city", "dataset__current_version"
    ):
        results(indicator)
        count += 1
    return count
