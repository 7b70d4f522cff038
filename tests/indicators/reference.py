"""An independent pandas implementation of indicator specs, for the property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civiclab.datasets.filters.language import Filter
from civiclab.indicators.engine.spec import (
    ColumnStat,
    Count,
    CountDistinct,
    Duration,
    IndicatorSpec,
    PerCapita,
    Percentile,
    Ratio,
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


# -- breakdown_top: the largest groups, and Other ------------------------------------------


def measure_value(rows: pd.DataFrame, spec: IndicatorSpec, measure: object) -> tuple:
    """(value, n) of any measure, ratios and per-capita rates included."""
    if isinstance(measure, Ratio):
        top_rows = rows[matches(rows, measure.numerator_filters)]
        bottom_rows = rows[matches(rows, measure.denominator_filters)]
        top, _n = measure_value(top_rows, spec, measure.numerator)
        bottom, n = measure_value(bottom_rows, spec, measure.denominator)
        if top is None or not bottom:
            return None, n
        return top / bottom, n
    if isinstance(measure, PerCapita):
        value, n = measure_value(rows, spec, measure.of)
        assert measure.population is not None
        return (None if value is None else value * measure.per / measure.population), n
    return measure_of(rows, spec.model_copy(update={"measure": measure}))


def zero_when_empty(measure: object) -> bool:
    if isinstance(measure, PerCapita):
        return zero_when_empty(measure.of)
    return isinstance(measure, Count | CountDistinct) or (
        isinstance(measure, ColumnStat) and measure.type == "sum"
    )


def group_label(row: pd.Series, columns: list[str]) -> tuple | None:
    """A row's group as the tuple of its columns' text; None when any is missing."""
    parts = []
    for column in columns:
        value = row[column]
        if pd.isna(value):
            return None
        parts.append(str(value))
    return tuple(parts)


def reference_top_series(frame: pd.DataFrame, spec: IndicatorSpec, timezone: str) -> list[tuple]:
    """(period start, group label, is Other, value, n) with ``breakdown_top``: the groups with
    the most rows over the whole series are kept (ties: by their values column by column, no
    value last), every other row is in Other, listed last; the measure is computed over the
    rows of each relabelled group."""
    assert spec.breakdown and spec.breakdown_top
    columns = [spec.breakdown] if isinstance(spec.breakdown, str) else list(spec.breakdown)
    rows = frame[matches(frame, spec.filters)]
    if spec.time is not None:
        rows = rows[rows[spec.time.column].notna()]
    if rows.empty:
        return []
    labels = [group_label(row, columns) for _i, row in rows.iterrows()]
    sizes: dict[tuple | None, int] = {}
    for label in labels:
        sizes[label] = sizes.get(label, 0) + 1
    ranked = sorted(sizes, key=lambda g: (-sizes[g], g is None, g or ()))
    kept = ranked[: spec.breakdown_top]
    has_other = len(ranked) > len(kept)
    keys = [(g, False) for g in kept] + ([(None, True)] if has_other else [])
    row_keys = [(g, False) if g in kept else (None, True) for g in labels]
    text = {key: None if key[0] is None else " / ".join(key[0]) for key in keys}
    keys.sort(key=lambda k: (k[1], text[k] is not None, text[k] or ""))
    zero = zero_when_empty(spec.measure)
    if spec.time is None:
        starts: list = [None]
        periods = pd.Series([None] * len(rows), index=rows.index)
    else:
        local = rows[spec.time.column].dt.tz_convert(timezone).dt.tz_localize(None)
        periods = local.dt.to_period(FREQ[spec.time.period]).dt.start_time.dt.date
        span = pd.period_range(periods.min(), periods.max(), freq=FREQ[spec.time.period])
        starts = list(span.start_time.date)
    key_of = pd.Series(row_keys, index=rows.index)
    result = []
    for start in starts:
        in_period = rows if spec.time is None else rows[periods == start]
        for key in keys:
            chunk = in_period[key_of[in_period.index].map(lambda k, key=key: k == key)]
            if chunk.empty:
                value, n = (0.0 if zero else None), 0
            else:
                value, n = measure_value(chunk, spec, spec.measure)
            result.append((start, text[key], key[1], value, n))
    return result
