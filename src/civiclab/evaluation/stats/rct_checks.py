"""The pre-flight checks of a randomised trial's analysis, and the table they leave.

Each check either refuses (``EvaluationError`` naming the problem and its numbers) or is
recorded as a passed ``Check``; dropping missing outcomes (only when the spec says so) is
recorded as a failed check, since attrition can undo what randomisation balanced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    EvaluationError,
    Message,
    OutcomeKind,
)
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

MIN_UNITS_PER_ARM = 2
MIN_CLUSTERS_PER_ARM = 2
TREATED, CONTROL = "treatment", "control"


def refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def passed(code: str, template: str, **params: Any) -> Check:
    return Check(code, True, Message(f"rct_{code}", template, params))


@dataclass
class Prepared:
    """The analysis table: ``_y`` (binary outcomes as 0/100), ``_arm`` (text), ``_cluster``,
    the covariate and stratum columns; the arms; what the checks found."""

    frame: pd.DataFrame
    control: str
    control_label: str | None  # the control arm's name when arms are named
    treatment_arms: list[str]
    cluster: str | None
    covariate_columns: tuple[str, ...]
    strata_columns: tuple[str, ...]
    strata_codes: pd.Series | None
    checks: list[Check] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)

    def covariates(self, part: pd.DataFrame) -> Any:
        """The covariates (categories as indicators) and strata indicators of ``part``, without
        columns constant in it; None when there are none."""
        blocks = []
        for column in self.covariate_columns:
            values = part[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                blocks.append(values.to_frame().astype(float))
            else:
                blocks.append(pd.get_dummies(values.astype(str), prefix=column, drop_first=True))
        if self.strata_codes is not None:
            codes = self.strata_codes.loc[part.index].astype(str)
            blocks.append(pd.get_dummies(codes, prefix="_stratum", drop_first=True))
        if not blocks:
            return None
        matrix = pd.concat(blocks, axis=1).astype(float)
        matrix = matrix.loc[:, matrix.nunique() > 1]
        return matrix.to_numpy() if matrix.shape[1] else None

    def check_pair(self, part: pd.DataFrame, arm: str) -> list[Check]:
        """Checks of one treatment arm against the control."""
        counts = part["_arm"].value_counts()
        n1, n0 = int(counts.get(arm, 0)), int(counts.get(self.control, 0))
        if min(n1, n0) < MIN_UNITS_PER_ARM:
            raise refuse(
                "rct_too_few_units",
                "Too few units per arm: {arm} has {treated} and {control_arm} has {control}; "
                "each needs at least {minimum}.",
                arm=arm,
                treated=n1,
                control_arm=self.control_label or CONTROL,
                control=n0,
                minimum=MIN_UNITS_PER_ARM,
            )
        checks = [
            passed(
                "units_per_arm",
                "{treated} units in {arm}, {control} in {control_arm}.",
                arm=arm,
                treated=n1,
                control_arm=self.control_label or CONTROL,
                control=n0,
            )
        ]
        if part["_y"].nunique() < 2:
            raise refuse(
                "rct_no_variation",
                "The outcome has the same value ({value}) for every unit in {arm} and "
                "{control_arm}: there is nothing to compare.",
                value=float(part["_y"].iloc[0]),
                arm=arm,
                control_arm=self.control_label or CONTROL,
            )
        spread = part.groupby("_arm")["_y"].nunique()
        if (spread < 2).all():
            raise refuse(
                "rct_no_variation_within_arms",
                "Every unit of {arm} has the same outcome, and so has every unit of "
                "{control_arm}: with no variation within the arms there is no way to tell an "
                "effect from chance.",
                arm=arm,
                control_arm=self.control_label or CONTROL,
            )
        if self.cluster is not None:
            per_cluster = part.groupby("_cluster")["_arm"].nunique()
            mixed = per_cluster[per_cluster > 1]
            if len(mixed):
                raise refuse(
                    "rct_arm_varies_in_cluster",
                    "The arm changes within {count} clusters (e.g. {example}): clusters must be "
                    "the level at which units were assigned.",
                    count=len(mixed),
                    example=str(mixed.index[0]),
                )
            clusters = part.groupby("_arm")["_cluster"].nunique()
            c1, c0 = int(clusters.get(arm, 0)), int(clusters.get(self.control, 0))
            if min(c1, c0) < MIN_CLUSTERS_PER_ARM:
                raise refuse(
                    "rct_too_few_clusters",
                    "Too few clusters per arm: {arm} has {treated} and {control_arm} has "
                    "{control}; each needs at least {minimum}.",
                    arm=arm,
                    treated=c1,
                    control_arm=self.control_label or CONTROL,
                    control=c0,
                    minimum=MIN_CLUSTERS_PER_ARM,
                )
            checks.append(
                passed(
                    "clusters_per_arm",
                    "{treated} clusters in {arm}, {control} in {control_arm}; the arm is "
                    "constant within each cluster.",
                    arm=arm,
                    treated=c1,
                    control_arm=self.control_label or CONTROL,
                    control=c0,
                )
            )
        return checks


def prepare(data: pd.DataFrame, spec: AnalysisSpec) -> Prepared:
    """Run the table-wide checks and build the analysis table."""
    columns = spec.columns
    if columns.treated is None and columns.arm is None:
        raise refuse("rct_no_arm", "Say which column holds the arm (treated 0/1, or arm).")
    cluster = columns.cluster
    if spec.design is Design.CLUSTER_RCT and cluster is None:
        raise refuse("rct_no_cluster", "A cluster-randomised trial needs the cluster column.")
    if columns.weight is not None:
        raise refuse(
            "rct_weights_unsupported",
            "Weights are not used in the analysis of a randomised trial: remove the weight "
            "column {column}.",
            column=columns.weight,
        )
    arm_column = columns.arm if columns.arm is not None else columns.treated
    assert arm_column is not None
    needed = [columns.outcome, columns.unit, arm_column, *columns.covariates, *columns.strata]
    if cluster is not None:
        needed.append(cluster)
    for column in needed:
        if column not in data.columns:
            raise refuse("rct_no_column", "The table has no column {column}.", column=column)
    checks: list[Check] = []
    warnings: list[Message] = []

    duplicated = data[columns.unit].duplicated()
    if duplicated.any():
        raise refuse(
            "rct_duplicate_units",
            "A randomised trial's table has one row per unit; {count} units appear more than "
            "once (e.g. {example}).",
            count=int(data.loc[duplicated, columns.unit].nunique()),
            example=str(data.loc[duplicated, columns.unit].iloc[0]),
        )
    for column in (
        arm_column,
        *columns.covariates,
        *columns.strata,
        *([cluster] if cluster else []),
    ):
        missing = int(data[column].isna().sum())
        if missing:
            raise refuse(
                "rct_missing_values",
                "{count} rows have no value in {column}.",
                count=missing,
                column=column,
            )

    outcome = data[columns.outcome]
    if not pd.api.types.is_numeric_dtype(outcome) or pd.api.types.is_bool_dtype(outcome):
        converted = pd.to_numeric(outcome.astype("object"), errors="coerce")
        bad = converted.isna() & outcome.notna()
        if bad.any():
            raise refuse(
                "rct_outcome_not_numeric",
                "The outcome {column} has {count} values that are not numbers (e.g. {example}).",
                column=columns.outcome,
                count=int(bad.sum()),
                example=str(outcome[bad].iloc[0]),
            )
        outcome = converted
    outcome = outcome.astype(float)
    missing = outcome.isna() | ~np.isfinite(outcome.fillna(0.0))
    n_missing = int(missing.sum())
    if n_missing and not spec.drop_missing_outcomes:
        raise refuse(
            "rct_missing_outcomes",
            "{count} of {total} units have no outcome. Missing outcomes can undo what "
            "randomisation balanced: fill them in, or say in the plan that they are dropped.",
            count=n_missing,
            total=len(outcome),
        )
    if n_missing:
        checks.append(
            Check(
                "missing_outcomes",
                False,
                Message(
                    "rct_missing_outcomes_dropped",
                    "{count} of {total} units had no outcome and were left out, as the plan "
                    "says; the comparison is only as fair as that loss is random.",
                    {"count": n_missing, "total": len(outcome)},
                ),
            )
        )
    else:
        checks.append(passed("missing_outcomes", "Every unit has an outcome."))
    frame = data.loc[~missing].copy()
    outcome = outcome.loc[~missing]

    if spec.outcome_kind is OutcomeKind.BINARY:
        if not outcome.isin([0.0, 1.0]).all():
            raise refuse(
                "rct_outcome_not_binary",
                "A yes/no outcome must be 0 or 1; {column} has other values (e.g. {example}).",
                column=columns.outcome,
                example=float(outcome[~outcome.isin([0.0, 1.0])].iloc[0]),
            )
        outcome = outcome * 100
    if outcome.nunique() < 2:
        raise refuse(
            "rct_no_variation",
            "The outcome has the same value ({value}) for every unit: there is nothing to compare.",
            value=float(outcome.iloc[0]) if len(outcome) else None,
            arm=None,
            control_arm=None,
        )
    checks.append(passed("outcome_varies", "The outcome varies between units."))
    frame["_y"] = outcome

    if columns.arm is not None:
        labels = frame[columns.arm].astype(str)
        control = spec.control_arm
        if control is None:
            raise refuse(
                "rct_no_control_arm",
                "Say which arm is the control (the others are compared with it).",
            )
        control = str(control)
        present = sorted(labels.unique())
        if control not in present:
            raise refuse(
                "rct_control_arm_absent",
                "No unit is in the control arm {control_arm} (arms found: {arms}).",
                control_arm=control,
                arms=", ".join(present),
            )
        treatment_arms = [a for a in present if a != control]
        control_label: str | None = control
    else:
        values = frame[columns.treated]
        numeric = pd.to_numeric(values.astype("object"), errors="coerce")
        if numeric.isna().any() or not numeric.isin([0, 1]).all():
            raise refuse(
                "rct_treated_not_binary",
                "The treated column {column} must hold 0 (control) or 1 (treated).",
                column=columns.treated,
            )
        labels = numeric.map({0: CONTROL, 1: TREATED}).astype(str)
        control, control_label = CONTROL, None
        treatment_arms = [TREATED] if (labels == TREATED).any() else []
    frame["_arm"] = labels
    if not treatment_arms or not (labels == control).any():
        raise refuse(
            "rct_one_arm",
            "All {count} units are in one arm ({arm}): there is no comparison.",
            count=len(frame),
            arm=str(labels.iloc[0]),
        )
    checks.append(
        passed("arms", "{arms} arms: each compared with the control.", arms=1 + len(treatment_arms))
    )
    if cluster is not None:
        frame["_cluster"] = frame[cluster]
    strata_codes = None
    if columns.strata:
        strata_codes = frame.groupby(list(columns.strata), dropna=False).ngroup()
    return Prepared(
        frame=frame,
        control=control,
        control_label=control_label,
        treatment_arms=treatment_arms,
        cluster=cluster,
        covariate_columns=tuple(columns.covariates),
        strata_columns=tuple(columns.strata),
        strata_codes=strata_codes,
        checks=checks,
        warnings=warnings,
    )
