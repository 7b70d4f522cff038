"""Every measure, period and filter against the independent pandas reference, on random data
that crosses daylight-saving changes, with empty periods, nulls and single-row groups."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN
from civiclab.indicators.engine.evaluate import evaluate
from civiclab.indicators.engine.spec import parse_spec
from tests.indicators.reference import close, reference_series

TIMEZONE = "America/New_York"
COLUMNS = {"created": "timestamp", "closed": "timestamp", "kind": "category", "amount": "decimal"}
# Windows around New York's 2024 clock changes and a year end.
WINDOWS = [
    dt.datetime(2024, 3, 8, tzinfo=dt.UTC),
    dt.datetime(2024, 10, 30, tzinfo=dt.UTC),
    dt.datetime(2023, 12, 20, tzinfo=dt.UTC),
]

MEASURES = [
    {"type": "count"},
    {"type": "count_distinct", "column": "kind"},
    {"type": "sum", "column": "amount"},
    {"type": "mean", "column": "amount"},
    {"type": "median", "column": "amount"},
    {"type": "percentile", "column": "amount", "p": 90},
    {"type": "share", "where": [{"column": "kind", "op": "=", "value": "a"}]},
    {"type": "duration", "start": "created", "end": "closed", "stat": "median", "unit": "hours"},
    {"type": "duration", "start": "created", "end": "closed", "stat": "mean", "unit": "days"},
    {"type": "duration", "start": "created", "end": "closed", "stat": "p90", "unit": "minutes"},
]
FILTERS = [
    [],
    [{"column": "kind", "op": "=", "value": "b"}],
    [{"column": "kind", "op": "!=", "value": "b"}],
    [{"column": "kind", "op": "in", "value": ["a", "c"]}],
    [{"column": "kind", "op": "not in", "value": ["a"]}],
    [{"column": "amount", "op": "between", "value": [10, 60]}],
    [{"column": "closed", "op": "is null"}],
    [{"column": "amount", "op": "is not null"}],
    [{"column": "kind", "op": "contains", "value": "A"}],
]

rows = st.lists(
    st.tuples(
        st.sampled_from(range(len(WINDOWS))),
        st.integers(0, 12 * 86400),  # seconds into the window
        st.none() | st.integers(0, 20 * 86400),  # open, or closed after this many seconds
        st.sampled_from(["a", "b", "c", None]),
        st.none() | st.integers(0, 100).map(float),
    ),
    max_size=40,
)


def frame_of(records: list[tuple]) -> pd.DataFrame:
    data = []
    for window, offset, duration, kind, amount in records:
        created = WINDOWS[window] + dt.timedelta(seconds=offset)
        closed = created + dt.timedelta(seconds=duration) if duration is not None else None
        data.append({"created": created, "closed": closed, "kind": kind, "amount": amount})
    frame = pd.DataFrame(data, columns=["created", "closed", "kind", "amount"])
    for column in ("created", "closed"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["kind"] = frame["kind"].astype(object)
    frame["amount"] = frame["amount"].astype(float)
    return frame


def civiclab_series(frame: pd.DataFrame, spec_data: dict) -> list[tuple]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v1.parquet"
        con = duckdb.connect()
        con.register("frame", frame)
        con.execute(
            "COPY (SELECT CAST(created AS TIMESTAMPTZ) AS created, "
            "CAST(closed AS TIMESTAMPTZ) AS closed, CAST(kind AS VARCHAR) AS kind, "
            f"CAST(amount AS DOUBLE) AS amount, FALSE AS {REFUSED_COLUMN} FROM frame) "
            f"TO '{path}' (FORMAT parquet)"
        )
        with CityQuery([TableFile("requests", path)], memory_mb=512, timeout_seconds=30) as query:
            points = evaluate(parse_spec(spec_data), COLUMNS, TIMEZONE, query.execute_arrow)
    return [(p.start, p.group, p.value, p.n) for p in points]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=rows,
    measure=st.sampled_from(MEASURES),
    filters=st.sampled_from(FILTERS),
    period=st.sampled_from(["day", "week", "month", "quarter", "year", None]),
    breakdown=st.sampled_from([None, "kind"]),
)
def test_matches_the_pandas_reference(
    records: list[tuple], measure: dict, filters: list, period: str | None, breakdown: str | None
) -> None:
    spec_data = {"dataset": "requests", "measure": measure, "filters": filters}
    if period:
        spec_data["time"] = {"column": "created", "period": period}
    if breakdown:
        spec_data["breakdown"] = breakdown
    frame = frame_of(records)
    expected = reference_series(frame, parse_spec(spec_data), TIMEZONE)
    got = civiclab_series(frame, spec_data)
    assert [(s, g, n) for s, g, _v, n in got] == [(s, g, n) for s, g, _v, n in expected]
    for (start, group, value, _n), (_s, _g, wanted, _m) in zip(got, expected, strict=True):
        assert close(value, wanted), (start, group, value, wanted)
