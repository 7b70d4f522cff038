"""The data an evaluation reads, always through datasets' one door (``version_query``) or an
indicator's cached series (``indicators.services.results``), and the key of its version.

- **A dataset column**: the plan's columns (outcome, unit, time, and the analysis columns) of
  the dataset's current version, as a pandas DataFrame, one row per row of the dataset.
- **An indicator** (ITS, before/after): its overall series becomes a one-unit panel — unit the
  city's slug, ``period`` the period's start (a timestamp), ``value`` the value.
- **Synthetic control**: the same panel for the plan's city and for each donor. A donor is a
  peer city's indicator *of the same slug* (an indicator's slug is its name as a URL word, so
  "the same indicator" is one named alike) whose city is in the plan's network, whose own
  visibility and its dataset's are ``network`` or ``public`` (the city made it visible to the
  network), and — when the plan lists ``donors`` (city slugs) — whose city is on that list.
  Nothing a peer city keeps to itself is ever read. When an app above registered a
  **donor source** (``register_donor_source``: the exchange's shared metric registry) and it
  names peer indicators measuring the same shared definition as the plan's, those are preferred
  (same rules on top; the slug rule when none of them may be read): a shared definition is a
  stronger "the same indicator" than a slug. The registry lives above evaluation, so it is a
  hook filled at start-up, not an import.

``data_key`` names the data a result was computed from without reading it: a new dataset
version, an edited indicator spec or a donor's new version makes a new key, so results are
cached per (plan content, data) and recomputed when either changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civiclab.core.permissions import Visibility
from civiclab.evaluation.models import COLUMN_KEYS, COLUMN_LIST_KEYS, EvaluationPlan
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Columns,
    Design,
    EvaluationError,
    Message,
    OutcomeKind,
)
from civiclab.indicators.models import Indicator

if TYPE_CHECKING:
    import pandas as pd

    from civiclab.datasets.models import DatasetVersion

SHARED = (Visibility.NETWORK.value, Visibility.PUBLIC.value)
# Designs an indicator's series can answer (one unit, or one city against its peers).
INDICATOR_DESIGNS = (Design.ITS, Design.PRE_POST, Design.SYNTHETIC_CONTROL)
# The panel an indicator becomes.
UNIT, PERIOD, VALUE = "unit", "period", "value"


@dataclass(frozen=True)
class PlanData:
    frame: pd.DataFrame
    spec: AnalysisSpec
    key: str


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def version_frame(version: DatasetVersion, columns: list[str]) -> pd.DataFrame:
    """``columns`` of one dataset version, as a DataFrame (through the one door)."""
    from civiclab.datasets.queries import column_types, version_query
    from civiclab.evaluation.stats.router import MAX_ROWS

    if version.rows > MAX_ROWS:  # refused before the rows are read into memory
        raise _refuse(
            "too_many_rows",
            "The table has {rows} rows; at most {limit} can be analysed at once.",
            rows=version.rows,
            limit=MAX_ROWS,
        )
    known = column_types(version)
    missing = [c for c in columns if c not in known]
    if missing:
        raise _refuse(
            "missing_column",
            "The dataset has no column {columns}.",
            columns=", ".join(missing),
        )
    wanted = list(dict.fromkeys(columns))
    sql = "SELECT " + ", ".join(_quoted(c) for c in wanted) + " FROM data"
    with version_query(version) as query:
        table = query.execute_arrow(sql)
    # Dates as timestamps (not Python date objects), so periods sort and compare as time.
    return table.to_pandas(date_as_object=False)


def indicator_panel(indicator: Indicator, unit: str) -> pd.DataFrame:
    """An indicator's overall series as a one-unit panel (unit, period, value)."""
    import pandas as pd

    from civiclab.indicators.services import results

    series = results(indicator)
    if series.get("error"):
        raise _refuse(
            "indicator_error",
            "The indicator {name} cannot be computed: {error}",
            name=indicator.name,
            error=series["error"],
        )
    points = [p for p in series.get("overall", []) if p.get("start")]
    frame = pd.DataFrame(
        {
            UNIT: [unit] * len(points),
            PERIOD: pd.to_datetime([p["start"] for p in points]),
            VALUE: pd.array([p["value"] for p in points], dtype="Float64").astype(float),
        }
    )
    return frame


# Functions naming the indicators that measure the same thing as a given one (ids), declared
# by apps above in their ready() — the exchange's shared metric registry.
DonorSource = Callable[[Indicator], Iterable[int]]
_DONOR_SOURCES: dict[str, DonorSource] = {}


def register_donor_source(key: str, source: DonorSource) -> None:
    """Declare ``source`` (again with the same key: replaced, so ready() may rerun)."""
    _DONOR_SOURCES[key] = source


def registry_donor_ids(indicator: Indicator) -> set[int]:
    """The indicators the registered donor sources say measure what ``indicator`` measures."""
    found: set[int] = set()
    for source in _DONOR_SOURCES.values():
        found.update(source(indicator))
    return found


def donor_indicators(plan: EvaluationPlan, indicator: Indicator) -> list[Indicator]:
    """The peer cities' indicators measuring the same thing that they made visible to the
    network: those of the same shared definition (a donor source) when that leaves any donor,
    else those of the same slug."""
    registry = registry_donor_ids(indicator)
    if registry:
        donors = _peer_indicators(plan, pk__in=registry)
        if donors:
            return donors
    return _peer_indicators(plan, slug=indicator.slug)


def _peer_indicators(plan: EvaluationPlan, **same: Any) -> list[Indicator]:
    donors = (
        Indicator.objects.filter(
            **same,
            city__network_id=plan.city.network_id,
            visibility__in=SHARED,
            dataset__visibility__in=SHARED,
        )
        .exclude(city_id=plan.city_id)
        .select_related("city", "dataset", "dataset__current_version")
        .order_by("city__slug")
    )
    if plan.donors:
        donors = donors.filter(city__slug__in=plan.donors)
    return list(donors)


def _spec_hash(indicator: Indicator) -> str:
    return hashlib.sha256(json.dumps(indicator.spec, sort_keys=True).encode()).hexdigest()[:16]


def _indicator_key(indicator: Indicator) -> str:
    return f"i{indicator.pk}v{indicator.dataset.current_version_id}s{_spec_hash(indicator)}"


def data_key(plan: EvaluationPlan) -> str:
    """The version of the data the plan reads now (without reading it)."""
    if plan.outcome_indicator is not None:
        indicator = plan.outcome_indicator
        key = _indicator_key(indicator)
        if plan.design == Design.SYNTHETIC_CONTROL:
            key += "+" + ",".join(_indicator_key(d) for d in donor_indicators(plan, indicator))
        return key[:200] if len(key) <= 200 else "h" + hashlib.sha256(key.encode()).hexdigest()
    if plan.outcome_dataset is not None:
        return f"d{plan.outcome_dataset_id}v{plan.outcome_dataset.current_version_id}"
    return "none"


def plan_columns(plan: EvaluationPlan) -> Columns:
    extra = plan.columns or {}
    return Columns(
        outcome=plan.outcome_column,
        unit=plan.unit_column,
        time=plan.time_column or None,
        **{key: extra.get(key) or None for key in COLUMN_KEYS},
        covariates=tuple(extra.get("covariates", [])),
        strata=tuple(extra.get("strata", [])),
    )


def load_plan_data(plan: EvaluationPlan) -> PlanData:
    """The plan's analysis table and spec, and the key of the data read."""
    key = data_key(plan)
    if plan.outcome_indicator is not None:
        return _indicator_data(plan, plan.outcome_indicator, key)
    dataset = plan.outcome_dataset
    if dataset is None:
        raise _refuse("no_outcome", "The plan names no primary outcome.")
    version = dataset.current_version
    if version is None:
        raise _refuse("no_data", "The dataset {name} has no rows yet.", name=dataset.name)
    columns = plan_columns(plan)
    frame = version_frame(version, needed_columns(columns))
    spec = AnalysisSpec(
        design=Design(plan.design),
        columns=columns,
        outcome_kind=OutcomeKind(plan.outcome_kind),
        control_arm=plan.control_arm or None,
        intervention_time=_intervention_time(plan, frame, columns.time),
        season_period=plan.season_period,
        alpha=plan.alpha,
        lower_is_better=plan.lower_is_better,
    )
    return PlanData(frame, spec, key)


def needed_columns(columns: Columns) -> list[str]:
    named = [columns.outcome, columns.unit, columns.time]
    named += [getattr(columns, key) for key in COLUMN_KEYS]
    for key in COLUMN_LIST_KEYS:
        named += list(getattr(columns, key))
    return [c for c in named if c]


def _intervention_time(plan: EvaluationPlan, frame: pd.DataFrame, time: str | None) -> Any:
    """The intervention's start in the time column's own terms (a timestamp for dates)."""
    if plan.intervention_date is None or time is None:
        return None
    return aligned_time(frame, time, plan.intervention_date)


def aligned_time(frame: pd.DataFrame, time: str | None, when: Any) -> Any:
    """``when`` (a date, a timestamp, a number or text) as the time column compares it: a
    timestamp in the column's zone for date and time columns, as given otherwise."""
    if when is None or time is None or time not in frame.columns:
        return when
    import datetime as dt

    import pandas as pd

    column = frame[time]
    if pd.api.types.is_datetime64_any_dtype(column) and isinstance(
        when, (dt.date, pd.Timestamp, str)
    ):
        stamp = pd.Timestamp(when)
        zone = getattr(column.dtype, "tz", None)
        if zone is not None:
            return stamp.tz_localize(zone) if stamp.tzinfo is None else stamp.tz_convert(zone)
        return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    if pd.api.types.is_numeric_dtype(column):
        if isinstance(when, dt.date):
            return None  # periods numbered: the plan's columns say when (cohort / treated)
        return when
    return when.isoformat() if isinstance(when, dt.date) else when


def _indicator_data(plan: EvaluationPlan, indicator: Indicator, key: str) -> PlanData:
    import pandas as pd

    design = Design(plan.design)
    if design not in INDICATOR_DESIGNS:
        raise _refuse(
            "indicator_design",
            "An indicator is one series: it can be evaluated by an interrupted time series, a "
            "before/after comparison or a synthetic control, not by {design}.",
            design=str(design),
        )
    own = indicator_panel(indicator, plan.city.slug)
    frames = [own]
    if design == Design.SYNTHETIC_CONTROL:
        donors = donor_indicators(plan, indicator)
        if not donors:
            raise _refuse(
                "no_donors",
                "No peer city shares an indicator named {slug} with the network: a synthetic "
                "control needs the same indicator in peer cities.",
                slug=indicator.slug,
            )
        frames += [indicator_panel(d, d.city.slug) for d in donors]
    frame = pd.concat(frames, ignore_index=True)
    intervention = pd.Timestamp(plan.intervention_date) if plan.intervention_date else None
    spec = AnalysisSpec(
        design=design,
        columns=Columns(
            outcome=VALUE,
            unit=UNIT,
            time=PERIOD,
            treated=None,
        ),
        outcome_kind=OutcomeKind(plan.outcome_kind),
        intervention_time=intervention,
        season_period=plan.season_period,
        treated_unit=plan.city.slug if design == Design.SYNTHETIC_CONTROL else None,
        alpha=plan.alpha,
        lower_is_better=plan.lower_is_better,
    )
    return PlanData(frame, spec, key)
