"""Evaluations for the demo network, made through the same services as the pages and the API.

**Detroit: a randomised trial of its 311 triage pilot.** The Office of Innovation asks whether
the triage desk closes the sanitation requests about vacant properties faster.

1. *Units*: 400 vacant properties — the distinct addresses of Detroit's demo dataset "Vacant
   building violations" (Chicago's real hearing records standing in), with their number of
   violations and fines, and a district: the address's street direction (N, S, E, W), the
   side of the city it lies on. Saved as the dataset "Vacant properties (trial units)".
2. *Sizing from the city's history*: the SD of days to close of the real 311 requests of type
   "HCD-Sanitation Property" in Detroit's demo "311 requests" (Baltimore's, standing in),
   capped at 60 days as the plan says, read through the one door; ``services.power.calculate``
   gives the smallest effect 400 properties detect, which the plan records.
3. *Randomisation*: complete randomisation stratified by district, seed 20190107
   (``services.assignments.randomise``), balance of violations and fines.
4. *Pre-registration*: the plan is locked before any outcome exists; its outcome dataset
   "311 triage trial — outcomes" has an empty ``days_to_close`` column then.
5. *Outcomes* — SIMULATED, clearly labelled demo data: each property's days to close is a draw
   from the real capped durations above (seeded); the triage desk **halves** it for the
   treated properties (the known effect, about −2.2 days). Uploaded as the outcome dataset's
   second version, then analysed synchronously (``services.analysis.run_result``).

**Mobile: a synthetic control of its blight indicator.** "Vacant building notices" (yearly,
2008–2016; Baltimore's real notices standing in for Mobile's) against the same indicator in
the five peer cities, which share it with the network. Their "Vacant buildings" datasets are
stand-ins too, labelled so: Baltimore's notices without one police district each (a real
split of the same file, so the donors resemble Mobile by construction and the result shows
the method, not an effect). Outcome data existed before the plan: it is locked as
"registered after data", and its result says so.

Timestamps are moved back to tell the story in order (the lock before the pilot), as the
portfolio's demo spreads its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.evaluation.models import Assignment, EvaluationPlan, EvaluationResult
from civiclab.network.models import City
from civiclab.portfolio.models import Solution

DETROIT_SOLUTION = "311 triage pilot"
MOBILE_SOLUTION = "Blight inventory and squad"
PROPERTIES = "Vacant properties (trial units)"
OUTCOMES = "311 triage trial — outcomes"
TRIAL_TITLE = "Does the triage desk close vacant-property requests faster?"
SYNTH_TITLE = "Did the blight squad change the notices served? (synthetic control)"
UNITS = 400
SEED = 20190107
OUTCOME_SEED = 20190701
CAP_DAYS = 60
EFFECT = 0.5  # the simulated triage halves the days to close
REQUEST_TYPE = "HCD-Sanitation Property"
DEMO_NOTE = (
    "DEMO DATA — SIMULATED outcomes: days drawn from real 311 durations, halved for the "
    "treated properties (the known effect). Not a real trial."
)
PEER_CITIES = ("detroit", "boston", "paris", "mulhouse", "tel-aviv")
# The police district each stand-in peer city's notices leave out (a real split of one file).
LEFT_OUT = ("CENTRAL", "SOUTHERN", "NORTHERN", "SOUTHWESTERN", "NORTHWESTERN")
NOTICES = "Vacant building notices"


def seed_demo_evaluations() -> list[str]:
    """The two demo evaluations (when their data are there); returns what was made."""
    from importlib.util import find_spec

    if find_spec("civiclab.evaluation.services.assignments") is None:
        return []  # the app's power and randomisation services are not installed yet
    made = []
    trial = _detroit_trial()
    if trial is not None:
        made.append(trial)
    synth = _mobile_synthetic_control()
    if synth is not None:
        made.append(synth)
    return made


# -- Detroit --------------------------------------------------------------------------------------
def _detroit_trial() -> str | None:
    city = City.objects.filter(slug="detroit").first()
    solution = Solution.objects.filter(city=city, title=DETROIT_SOLUTION).first()
    violations = datasets.find_dataset(city, "Vacant building violations") if city else None
    requests = datasets.find_dataset(city, "311 requests") if city else None
    if city is None or solution is None or violations is None or requests is None:
        return None
    if EvaluationPlan.objects.filter(solution=solution, title=TRIAL_TITLE).exists():
        return None
    from civiclab.evaluation.services import analysis, assignments, plans, power

    units = _properties(city, violations)
    durations = _history(requests)
    sizing = power.calculate(
        {"design": "rct", "outcome_kind": "continuous", "n": UNITS, "sd": float(durations.std())}
    )
    start = timezone.localdate() - dt.timedelta(days=150)
    plan = plans.create_plan(
        None,
        solution,
        TRIAL_TITLE,
        "rct",
        visibility="network",
        question="Do sanitation requests about vacant properties close sooner when the triage "
        "desk routes them?",
        hypothesis="Routed to the right crew on day one, a request closes at least "
        f"{sizing['mde']:.1f} days sooner.",
        unit_label="properties",
        **_worded("days to close a sanitation request", "days"),
        comparison_group="Properties whose requests follow the usual route.",
        exclusions="Properties demolished during the pilot.",
        intervention_date=start,
        analysis_date=start + dt.timedelta(days=120),
        minimum_detectable_effect=round(sizing["mde"], 2),
        lower_is_better=True,
    )
    made = assignments.randomise(
        None,
        plan,
        units,
        unit_column="property",
        method="stratified",
        strata=["district"],
        covariates=["violations", "fines"],
        seed=SEED,
        save_as="311 triage trial — assignment",
    )
    register = _register(made)
    outcomes = _save(
        city, OUTCOMES, register.assign(days_to_close=float("nan")), register_of=made,
        description="The trial's register: each property's arm, and its days to close "
        "(empty until the pilot ends). " + DEMO_NOTE,
    )  # fmt: skip
    plans.update_plan(
        None,
        plan,
        {
            "outcome_dataset": outcomes,
            "outcome_column": "days_to_close",
            "unit_column": "property",
            "columns": {
                "treated": "treated",
                "strata": ["district"],
                "covariates": ["violations", "fines"],
            },
        },
    )
    plans.lock_plan(None, plan)
    _save(
        city, OUTCOMES, _simulated(register, durations), register_of=made, add_version=True,
        description="The trial's outcomes after the pilot. " + DEMO_NOTE,
    )  # fmt: skip
    _backdate(plan, made, start)
    result = _compute(analysis, plan)
    return f"detroit: {plan.title} ({result.state}, {UNITS} properties)"


def _properties(city: City, violations: Dataset) -> Dataset:
    """400 distinct addresses with their district, violations and fines (seeded choice)."""
    import pandas as pd

    from civiclab.evaluation.services.data import version_frame

    assert violations.current_version is not None
    frame = version_frame(
        violations.current_version, ["Property Address", "Docket Number", "Total Fines"]
    )
    frame["property"] = frame["Property Address"].astype(str).str.strip()
    frame["district"] = (
        frame["property"]
        .str.split()
        .str[1]
        .map({"N": "North", "S": "South", "E": "East", "W": "West"})
    )
    frame = frame.dropna(subset=["district"])
    frame["fines"] = pd.to_numeric(frame["Total Fines"], errors="coerce").fillna(0.0)
    per = frame.groupby(["property", "district"], as_index=False).agg(
        violations=("Docket Number", "count"), fines=("fines", "sum")
    )
    per = per.drop_duplicates("property").sort_values("property")
    units = per.sample(n=min(UNITS, len(per)), random_state=SEED).sort_values("property")
    version = _save(
        city, PROPERTIES, units, sources=(violations,),
        description="Sample data for the demo: 400 vacant properties, the distinct addresses of "
        "the vacant building violations, with their number of violations, fines and side of "
        "the city (the street direction of the address).",
    )  # fmt: skip
    return version


def _history(requests: Dataset) -> Any:
    """Days to close of the real sanitation requests about properties, capped."""
    import pandas as pd

    from civiclab.evaluation.services.data import version_frame

    assert requests.current_version is not None
    frame = version_frame(requests.current_version, ["SRType", "DaysOpen"])
    days = pd.to_numeric(frame.loc[frame["SRType"] == REQUEST_TYPE, "DaysOpen"], errors="coerce")
    return days.dropna().clip(upper=CAP_DAYS).reset_index(drop=True)


def _register(made: Assignment) -> Any:
    from civiclab.datasets.queries import version_query

    assert made.saved_version is not None and made.source_version is not None
    with version_query(made.saved_version) as query:
        table = query.execute_arrow("SELECT * FROM data").to_pandas()
    with version_query(made.source_version) as query:
        units = query.execute_arrow("SELECT property, violations, fines FROM data").to_pandas()
    table = table.merge(units, on="property", how="left").sort_values("property")
    control = made.arms[0] if made.arms else "control"
    table["treated"] = (table["arm"] != control).astype("int64")
    return table.reset_index(drop=True)


def _simulated(register: Any, durations: Any) -> Any:
    import numpy as np

    rng = np.random.default_rng(OUTCOME_SEED)
    drawn = rng.choice(durations.to_numpy(dtype=float), size=len(register), replace=True)
    days = np.where(register["treated"] == 1, np.round(drawn * EFFECT), drawn)
    return register.assign(days_to_close=days.astype(float))


def _save(
    city: City,
    name: str,
    frame: Any,
    *,
    description: str,
    sources: tuple[Dataset, ...] = (),
    register_of: Assignment | None = None,
    add_version: bool = False,
    visibility: str = "network",
) -> Dataset:
    import pyarrow as pa

    if register_of is not None and register_of.saved_version is not None:
        sources = (register_of.saved_version.dataset,)
    options = datasets.ImportOptions(
        visibility=visibility, description=description, sources=sources, add_version=add_version
    )
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    version = datasets.import_table(None, city, name, table, options, source_name="demo")
    return Dataset.objects.select_related("city", "current_version").get(pk=version.dataset_id)


def _backdate(plan: EvaluationPlan, made: Assignment, start: dt.date) -> None:
    """The lock and the assignment a fortnight before the pilot (the demo's story order)."""
    before = timezone.make_aware(dt.datetime.combine(start, dt.time(10)) - dt.timedelta(days=14))
    EvaluationPlan.objects.filter(pk=plan.pk).update(locked_at=before)
    Assignment.objects.filter(pk=made.pk).update(created_at=before - dt.timedelta(days=1))
    plan.refresh_from_db()


def _worded(label: str, unit: str) -> dict[str, str]:
    """The outcome in words and its unit, for the result's sentence (when plans have them)."""
    names = {f.name for f in EvaluationPlan._meta.get_fields()}
    return {
        key: value
        for key, value in (("outcome_label", label), ("outcome_unit", unit))
        if key in names
    }


def _compute(analysis: Any, plan: EvaluationPlan) -> EvaluationResult:
    """The analysis, at once (the demo does not wait for the worker)."""
    result = analysis.request_analysis(None, plan)
    analysis.run_result(result.pk)
    result.refresh_from_db()
    return result


# -- Mobile ---------------------------------------------------------------------------------------
def _mobile_synthetic_control() -> str | None:
    city = City.objects.filter(slug="mobile").first()
    solution = Solution.objects.filter(city=city, title=MOBILE_SOLUTION).first()
    source = datasets.find_dataset(city, "Vacant buildings") if city else None
    if city is None or solution is None or source is None or source.current_version is None:
        return None
    indicator = source.indicators.filter(name=NOTICES).first()
    if indicator is None:
        return None
    if EvaluationPlan.objects.filter(solution=solution, title=SYNTH_TITLE).exists():
        return None
    from civiclab.evaluation.services import analysis, plans

    _peer_notices(source, indicator)
    plan = plans.create_plan(
        None,
        solution,
        SYNTH_TITLE,
        "synthetic_control",
        question="Did the notices served change after the blight squad started, compared "
        "with a mix of peer cities that followed Mobile before?",
        outcome_indicator=indicator,
        outcome_kind="count",
        lower_is_better=True,
        unit_label="city",
        **_worded("vacant building notices served", "notices"),
        comparison_group="A weighted mix of the peer cities' same indicator, shared with the "
        "network.",
        intervention_date=dt.date(2014, 1, 1),
        analysis_date=dt.date(2016, 12, 31),
        registered_after_data=True,
    )
    plans.lock_plan(None, plan)
    result = _compute(analysis, plan)
    return f"mobile: {plan.title} ({result.state})"


def _peer_notices(source: Dataset, indicator: Any) -> None:
    """Each peer city's stand-in "Vacant buildings" (Mobile's file without one police
    district) and its indicator of the same name, shared with the network."""
    import pyarrow.compute as pc

    from civiclab.datasets.queries import version_query
    from civiclab.indicators import services as indicators

    assert source.current_version is not None
    with version_query(source.current_version) as query:
        table = query.execute_arrow("SELECT * FROM data")
    district = pc.utf8_upper(pc.cast(table["PoliceDistrict"], "string"))
    for slug, left_out in zip(PEER_CITIES, LEFT_OUT, strict=True):
        city = City.objects.filter(slug=slug).first()
        if city is None or datasets.find_dataset(city, source.name):
            continue
        kept = table.filter(pc.invert(pc.fill_null(pc.equal(district, left_out), False)))
        options = datasets.ImportOptions(
            visibility="network",
            description="Sample data for the demo, standing in for this city's vacant "
            f"building notices: Baltimore's notices (2016 export) without the {left_out.title()} "
            "police district.",
        )
        version = datasets.import_table(None, city, source.name, kept, options, source_name="demo")
        dataset = Dataset.objects.get(pk=version.dataset_id)
        spec = dict(indicator.spec)
        spec["dataset"] = dataset.slug
        indicators.create_indicator(
            None, dataset, indicator.name, spec, description=indicator.description,
            visibility="network",
        )  # fmt: skip
