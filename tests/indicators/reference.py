"""An independent pandas implementation of indicator specs, for the property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civiclab.indicators.spec import (
    ColumnStat,
    Count,
    CountDistinct,
    Duration,
    Filter,
    IndicatorSpec,
    Percentile,
    Share,
)

FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}


def matches(frame: pd.DataFrame, filters: list[Filter]) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for item in filters:
        column = frame[item.column]
        if item.op == "=":
            keep &= column.notna() & (column == item.value)
        elif item.op == "!=":
            keep &= column.notna() & (column != item.value)
        elif item.op == "in":
            keep &= column.notna() & column.isin(item.value)
        elif item.op == "not in":
            keep &= column.notna() & ~column.isin(item.value)
        elif item.op == "between":
            low, high = item.value
            keep &= column.notna() & (column >= low) & (column <= high)
        elif item.op == "is null":
            keep &= column.isna()
        elif item.op == "is not null":
            keep &= column.notna()
        else:
            keep &= (
                column.astype("string")
                .str.lower()
                .str.contains(str(item.value).lower(), regex=False)
                .fillna(False)
                .astype(bool)
            )
    return keep


def measure_of(rows: pd.DataFrame, spec: IndicatorSpec) -> tuple[float | None, int]:
    m = spec.measure
    if isinstance(m, Count):
        return float(len(rows)), len(rows)
    if isinstance(m, CountDistinct):
        return float(rows[m.column].nunique(dropna=True)), len(rows)
    if isinstance(m, ColumnStat):
        values = rows[m.column].dropna()
        if m.type == "sum":
            return float(values.sum()), len(values)
        if values.empty:
            return None, 0
        return float(values.mean() if m.type == "mean" else values.median()), len(values)
    if isinstance(m, Percentile):
        values = rows[m.column].dropna()
        return (None if values.empty else float(values.quantile(m.p / 100))), len(values)
    if isinstance(m, Share):
        if rows.empty:
            return None, 0
        return float(matches(rows, m.where).sum() / len(rows)), len(rows)
    if isinstance(m, Duration):
        both = rows[rows[m.start].notna() & rows[m.end].notna()]
        spans = (both[m.end] - both[m.start]).dt.total_seconds() / SECONDS[m.unit]
        if spans.empty:
            return None, 0
        if m.stat == "median":
            return float(spans.median()), len(spans)
        if m.stat == "mean":
            return float(spans.mean()), len(spans)
        p = 0.9 if m.stat == "p90" else (m.p or 90) / 100
        return float(spans.quantile(p)), len(spans)
    raise NotImplementedError(m)


def reference_series(frame: pd.DataFrame, spec: IndicatorSpec, timezone: str) -> list[tuple]:
    """(period start date, group, value, n) in the order civiclab returns them."""
    rows = frame[matches(frame, spec.filters)]
    if spec.time is not None:
        rows = rows[rows[spec.time.column].notna()]
    zero = isinstance(spec.measure, Count | CountDistinct) or (
        isinstance(spec.measure, ColumnStat) and spec.measure.type == "sum"
    )
    groups = [None]
    if spec.breakdown:
        present = rows[spec.breakdown]
        groups = sorted(
            {None if pd.isna(v) else str(v) for v in present},
            key=lambda g: (g is not None, g or ""),
        )
    if spec.time is None:
        result = []
        for group in groups:
            chunk = rows if not spec.breakdown else _in_group(rows, spec.breakdown, group)
            value, n = measure_of(chunk, spec)
            result.append((None, group, value, n))
        return result
    local = rows[spec.time.column].dt.tz_convert(timezone).dt.tz_localize(None)
    periods = local.dt.to_period(FREQ[spec.time.period]).dt.start_time.dt.date
    if rows.empty:
        return []
    span = pd.period_range(periods.min(), periods.max(), freq=FREQ[spec.time.period])
    result = []
    for start in span.start_time.date:
        in_period = rows[periods == start]
        for group in groups:
            chunk = in_period if not spec.breakdown else _in_group(in_period, spec.breakdown, group)
            value, n = measure_of(chunk, spec)
            if chunk.empty:
                value, n = (0.0 if zero else None), 0
            result.append((start, group, value, n))
    return result


def _in_group(rows: pd.DataFrame, column: str, group: str | None) -> pd.DataFrame:
    if group is None:
        return rows[rows[column].isna()]
    return rows[rows[column].astype("string") == group]


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-9))
