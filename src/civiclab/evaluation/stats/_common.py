"""Small pieces the panel and time-series estimators share: refusing with a message, normal
and t intervals, the outcome's scale, and the per-unit treatment timing of a panel."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NoReturn

from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    EvaluationError,
    Message,
    OutcomeKind,
)

if TYPE_CHECKING:
    import pandas as pd


def refuse(code: str, template: str, **params: Any) -> NoReturn:
    """Stop the analysis: ``template`` says in words what is wrong with the data."""
    raise EvaluationError(Message(code, template, params))


def outcome_scale(spec: AnalysisSpec) -> float:
    """Binary outcomes are reported in percentage points: the 0/1 outcome is multiplied by 100
    before estimating, so every difference comes out in points."""
    return 100.0 if spec.outcome_kind == OutcomeKind.BINARY else 1.0


def critical(alpha: float, df: float | None = None) -> float:
    """The two-sided critical value: Student's t with ``df`` degrees of freedom, else normal."""
    from scipy import stats

    if df is not None and math.isfinite(df) and df > 0:
        return float(stats.t.ppf(1 - alpha / 2, df))
    return float(stats.norm.ppf(1 - alpha / 2))


def p_two_sided(z: float, df: float | None = None) -> float:
    from scipy import stats

    if not math.isfinite(z):
        return float("nan")
    if df is not None and math.isfinite(df) and df > 0:
        return float(2 * stats.t.sf(abs(z), df))
    return float(2 * stats.norm.sf(abs(z)))


def require_columns(data: pd.DataFrame, names: list[str | None], design: str) -> None:
    missing = [n for n in names if n is not None and n not in data.columns]
    if missing:
        refuse(
            "missing_columns",
            "The {design} analysis needs the columns {columns}, which the table does not have.",
            design=design,
            columns=", ".join(missing),
        )


def period_index(times: pd.Series) -> pd.Series:
    """Each time's position among the sorted distinct times (0, 1, 2…): dates, years and
    period labels all become evenly counted periods."""
    import numpy as np
    import pandas as pd

    values = np.sort(times.dropna().unique())
    return pd.Series(np.searchsorted(values, times.to_numpy()), index=times.index)


def fmt_p(p: float) -> str:
    """A p-value as a person reads it: two decimals, or "< 0.001"."""
    if not math.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    if p < 0.01:
        return f"{p:.3f}"
    return f"{p:.2f}"


def clean_frame(
    data: pd.DataFrame, mapping: dict[str, str | None], spec: AnalysisSpec
) -> pd.DataFrame:
    """The columns an estimator uses under short internal names (``{"_y": outcome, …}``),
    the outcome on its reporting scale; refuses when a value it needs is missing."""
    used = {short: name for short, name in mapping.items() if name is not None}
    require_columns(data, list(used.values()), str(spec.design))
    frame = data[list(used.values())].copy()
    frame.columns = list(used.keys())
    missing = int(frame.isna().any(axis=1).sum())
    if missing:
        refuse(
            "missing_values",
            "{rows} rows have no value in a column the analysis needs; "
            "remove or complete them first.",
            rows=missing,
        )
    if "_y" in frame:
        frame["_y"] = frame["_y"].astype(float) * outcome_scale(spec)
    return frame


def binary_column(frame: pd.DataFrame, column: str, label: str) -> None:
    """Refuse unless ``column`` holds only 0 and 1 (or booleans)."""
    values = set(frame[column].unique().tolist())
    if not values <= {0, 1}:
        refuse(
            "not_binary",
            "The column {column} must hold only 0 and 1.",
            column=label,
        )


def json_label(value: Any) -> Any:
    """A period label as JSON takes it: numpy scalars to Python ones, dates to ISO text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
