"""Randomisation: a plan's units assigned to arms (``stats.randomise``), reproducible from the
recorded seed, with a balance table of covariates (``stats.balance``), saved as a versioned
dataset of the city (``datasets.services.import_table``).

The seed and the SHA-256 of the assignment (its canonical CSV, see ``stats.randomise``) are kept
on the ``Assignment``, in the plan's exported document and in the audit log. The saved dataset
is as visible as the plan, and its lineage names the dataset of units, so narrowing that
dataset later narrows the assignment too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import Action
from civiclab.datasets.models import Dataset
from civiclab.evaluation.models import Assignment, EvaluationPlan
from civiclab.evaluation.services.plans import check_plan
from civiclab.evaluation.stats.types import EvaluationError, Message

if TYPE_CHECKING:
    import pandas as pd


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def randomise(
    by: Any,
    plan: EvaluationPlan,
    dataset: Dataset,
    *,
    unit_column: str,
    method: str,
    arms: list[str] | None = None,
    ratio: list[int] | None = None,
    strata: list[str] | None = None,
    cluster_column: str | None = None,
    block_size: int | None = None,
    steps: int | None = None,
    covariates: list[str] | None = None,
    seed: int | None = None,
    save_as: str | None = None,
) -> Assignment:
    """Assign the units of ``dataset`` to arms for ``plan`` and save the assignment."""
    from civiclab.evaluation.services.data import version_frame
    from civiclab.evaluation.stats import randomise as stats_randomise

    check_plan(by, Action.EDIT, plan)
    if dataset.city_id != plan.city_id:
        raise ValidationError({"dataset": _("The dataset belongs to another city.")})
    if by is not None:
        from civiclab.datasets.queries import visible_datasets

        if not visible_datasets(by).filter(pk=dataset.pk).exists():
            raise ValidationError({"dataset": _("No such dataset.")})
    version = dataset.current_version
    if version is None:
        raise _refuse("no_data", "The dataset {name} has no rows yet.", name=dataset.name)
    strata, covariates = list(strata or []), list(covariates or [])
    wanted = [unit_column, *strata, *([cluster_column] if cluster_column else []), *covariates]
    units = version_frame(version, wanted)
    made = stats_randomise.assign(
        units,
        unit=unit_column,
        method=method,
        arms=tuple(arms or ("control", "treatment")),
        ratio=ratio,
        strata=tuple(strata),
        cluster=cluster_column or None,
        block_size=block_size,
        steps=steps,
        seed=seed,
    )
    table = _saved_table(units, made.table, unit_column, strata, cluster_column)
    balance = balance_table(table, covariates, units, unit_column)
    return _save(
        by, plan, dataset, version, made, table, balance, save_as,
        unit_column=unit_column, strata=strata, cluster_column=cluster_column or "",
    )  # fmt: skip


def _saved_table(
    units: pd.DataFrame,
    assigned: pd.DataFrame,
    unit_column: str,
    strata: list[str],
    cluster_column: str | None,
) -> pd.DataFrame:
    """The assignment as saved: the unit (under its own column name), its arm (and step), and
    the strata and cluster it was assigned within."""
    keep = list(dict.fromkeys([*strata, *([cluster_column] if cluster_column else [])]))
    table = assigned.rename(columns={"unit": unit_column})
    if keep:
        extra = units[[unit_column, *[c for c in keep if c != unit_column]]]
        table = table.merge(extra, on=unit_column, how="left", validate="one_to_one")
    return table


def balance_table(
    table: pd.DataFrame, covariates: list[str], units: pd.DataFrame, unit_column: str
) -> list[dict[str, Any]]:
    """Standardised differences of the covariates between arms (``stats.balance``)."""
    if not covariates:
        return []
    from civiclab.evaluation.stats import balance

    frame = table[[unit_column, "arm"]].merge(
        units[[unit_column, *[c for c in covariates if c != unit_column]]], on=unit_column
    )
    rows = balance.balance_table(frame, arm="arm", covariates=covariates)
    return [row if isinstance(row, dict) else row.as_dict() for row in rows]


@transaction.atomic
def _save(
    by: Any,
    plan: EvaluationPlan,
    dataset: Dataset,
    version: Any,
    made: Any,
    table: pd.DataFrame,
    balance: list[dict[str, Any]],
    save_as: str | None,
    **fields: Any,
) -> Assignment:
    import pyarrow as pa

    from civiclab.datasets import services as datasets
    from civiclab.evaluation.services.plans import widest_for
    from civiclab.portfolio.services import wider_than

    name = save_as or f"{plan.title} — assignment"
    # As visible as the plan, or as wide as ``by`` may share, whichever is narrower.
    mine = widest_for(by, plan.solution).value
    visibility = mine if wider_than(plan.visibility, mine) else plan.visibility
    options = datasets.ImportOptions(
        visibility=visibility,
        add_version=True,
        team_id=plan.team_id,
        sources=(dataset,),
        description=f"Units of {dataset.name} assigned to arms for the evaluation "
        f"{plan.title!r} ({made.method}, seed {made.seed}, SHA-256 {made.sha256}).",
    )
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    saved = datasets.import_table(
        by, plan.city, name, arrow, options, source_name=f"evaluation {plan.pk}"
    )
    assignment = Assignment.objects.create(
        plan=plan,
        method=str(made.method),
        seed=made.seed,
        arms=list(made.arms),
        assignment_hash=made.sha256,
        counts=made.counts(),
        balance=balance,
        source_version=version,
        saved_version=saved,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    record(
        by,
        "evaluation.randomise",
        plan,
        assignment=assignment.pk,
        method=str(made.method),
        seed=made.seed,
        sha256=made.sha256,
        counts=assignment.counts,
        dataset=saved.dataset_id,
        version=saved.number,
    )
    return assignment
