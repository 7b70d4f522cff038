"""Balance of covariates between arms after an assignment.

For a numeric covariate: each arm's mean and SD and the standardised mean difference against
the control, SMD = (m₁ − m₀) / √((s₁² + s₀²) / 2) (Austin 2009, the pooled-variance form).
For a categorical one: each level's proportion in each arm, the difference in proportions and
the SMD of that indicator, (p₁ − p₀) / √((p₁(1 − p₁) + p₀(1 − p₀)) / 2). A row is flagged when
|SMD| exceeds ``threshold`` (0.1 by convention). Missing values are counted, not compared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats.types import EvaluationError, Message
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

SMD_THRESHOLD = 0.1


@dataclass(frozen=True)
class BalanceRow:
    """One covariate (or one level of a categorical covariate) in one arm against control."""

    covariate: str
    level: str | None  # the category, for categorical covariates
    arm: str
    mean_arm: float  # a proportion for a level
    mean_control: float
    sd_arm: float
    sd_control: float
    difference: float  # of means, or of proportions
    smd: float | None  # None when both arms have no spread
    flagged: bool
    missing_arm: int
    missing_control: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def balance_table(
    data: pd.DataFrame,
    *,
    arm: str,
    covariates: Sequence[str],
    control_arm: str | None = None,
    threshold: float = SMD_THRESHOLD,
) -> list[BalanceRow]:
    """The balance rows of every covariate, every arm against ``control_arm`` (default: the
    first arm in sorted order; a 0/1 arm column's control is 0)."""
    for column in (arm, *covariates):
        if column not in data.columns:
            raise EvaluationError(
                Message(
                    "balance_no_column", "The table has no column {column}.", {"column": column}
                )
            )
    labels = data[arm].astype(str)
    arms = sorted(labels.dropna().unique())
    control = str(control_arm) if control_arm is not None else arms[0] if arms else None
    if control is None or control not in arms or len(arms) < 2:
        raise EvaluationError(
            Message(
                "balance_arms",
                "Balance needs a control arm and at least one other (arms found: {arms}).",
                {"arms": ", ".join(arms)},
            )
        )
    rows: list[BalanceRow] = []
    in_control = labels == control
    for other in (a for a in arms if a != control):
        in_arm = labels == other
        for covariate in covariates:
            values = data[covariate]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                rows.append(
                    _numeric(covariate, other, values[in_arm], values[in_control], threshold)
                )
            else:
                rows.extend(
                    _categorical(covariate, other, values[in_arm], values[in_control], threshold)
                )
    return rows


def _smd(difference: float, var_arm: float, var_control: float) -> float | None:
    pooled = math.sqrt((var_arm + var_control) / 2)
    if pooled == 0 or math.isnan(pooled):
        return None if difference == 0 else math.copysign(math.inf, difference)
    return difference / pooled


def _numeric(
    covariate: str, arm: str, treated: pd.Series, control: pd.Series, threshold: float
) -> BalanceRow:
    a, c = treated.dropna().astype(float), control.dropna().astype(float)
    mean_a = float(a.mean()) if len(a) else math.nan
    mean_c = float(c.mean()) if len(c) else math.nan
    sd_a = float(a.std(ddof=1)) if len(a) > 1 else 0.0
    sd_c = float(c.std(ddof=1)) if len(c) > 1 else 0.0
    difference = mean_a - mean_c
    smd = _smd(difference, sd_a**2, sd_c**2)
    return BalanceRow(
        covariate, None, arm, mean_a, mean_c, sd_a, sd_c, difference, smd,
        smd is not None and abs(smd) > threshold,
        int(treated.isna().sum()), int(control.isna().sum()),
    )  # fmt: skip


def _categorical(
    covariate: str, arm: str, treated: pd.Series, control: pd.Series, threshold: float
) -> list[BalanceRow]:
    a, c = treated.dropna().astype(str), control.dropna().astype(str)
    levels = sorted(set(a.unique()) | set(c.unique()))
    rows = []
    for level in levels:
        p_a = float((a == level).mean()) if len(a) else math.nan
        p_c = float((c == level).mean()) if len(c) else math.nan
        difference = p_a - p_c
        smd = _smd(difference, p_a * (1 - p_a), p_c * (1 - p_c))
        rows.append(
            BalanceRow(
                covariate, level, arm, p_a, p_c,
                math.sqrt(p_a * (1 - p_a)), math.sqrt(p_c * (1 - p_c)), difference, smd,
                smd is not None and abs(smd) > threshold,
                int(treated.isna().sum()), int(control.isna().sum()),
            )
        )  # fmt: skip
    return rows
