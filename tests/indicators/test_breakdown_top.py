"""breakdown_top keeps the N groups with the most rows and gathers the others into Other
(issue 10.9): the measure is computed over the relabelled groups, checked against an
independent pandas reference for every kind of measure, one or two breakdown columns."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.filters.language import SpecError
from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.equity import gaps
from civiclab.indicators.engine.evaluate import Point, evaluate
from civiclab.indicators.engine.grid import GridLimits, GridTooLarge, check_grid
from civiclab.indicators.engine.spec import parse_spec
from tests.indicators.reference import close, reference_top_series
from tests.indicators.test_reference import COLUMNS, TIMEZONE, frame_of, rows

MEASURES = [
    {"type": "count"},
    {"type": "count_distinct", "column": "kind"},
    {"type": "sum", "column": "amount"},
    {"type": "median", "column": "amount"},
    {"type": "percentile", "column": "amount", "p": 75},
    {"type": "share", "where": [{"column": "amount", "op": "between", "value": [0, 50]}]},
    {"type": "duration", "start": "created", "end": "closed", "stat": "p90", "unit": "hours"},
    {
        "type": "ratio",
        "numerator": {"type": "sum", "column": "amount"},
        "denominator": {"type": "count"},
        "denominator_filters": [{"column": "closed", "op": "is not null"}],
    },
    {"type": "per_capita", "of": {"type": "count"}, "per": 1000, "population": 5000},
]


def parquet_of(frame: pd.DataFrame, folder: str) -> Path:
    path = Path(folder) / "v1.parquet"
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(
        "COPY (SELECT CAST(created AS TIMESTAMPTZ) AS created, "
        "CAST(closed AS TIMESTAMPTZ) AS closed, CAST(kind AS VARCHAR) AS kind, "
        f"CAST(amount AS DOUBLE) AS amount, FALSE AS {REFUSED_COLUMN} FROM frame) "
        f"TO '{path}' (FORMAT parquet)"
    )
    return path


def civiclab_points(frame: pd.DataFrame, spec_data: dict) -> list[tuple]:
    with tempfile.TemporaryDirectory() as folder:
        path = parquet_of(frame, folder)
        with CityQuery([TableFile("requests", path)], memory_mb=512, timeout_seconds=30) as query:
            points = evaluate(parse_spec(spec_data), COLUMNS, TIMEZONE, query.execute_arrow)
    return [(p.start, p.group, p.other, p.value, p.n) for p in points]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=rows,
    measure=st.sampled_from(MEASURES),
    top=st.integers(1, 4),
    period=st.sampled_from(["week", "month", None]),
    breakdown=st.sampled_from(["kind", ["kind", "amount"], "amount"]),
    filtered=st.booleans(),
)
def test_top_groups_and_other_match_the_pandas_reference(
    records: list[tuple],
    measure: dict,
    top: int,
    period: str | None,
    breakdown: str | list[str],
    filtered: bool,
) -> None:
    """GIVEN random rows (ties, empty periods, missing values) WHEN broken down with
    breakdown_top THEN every cell — the kept groups, in their order, and Other last — has the
    reference's value and n."""
    spec_data: dict = {"dataset": "requests", "measure": measure, "breakdown": breakdown,
                       "breakdown_top": top}  # fmt: skip
    if period:
        spec_data["time"] = {"column": "created", "period": period}
    if filtered:
        spec_data["filters"] = [{"column": "kind", "op": "!=", "value": "c"}]
    frame = frame_of(records)
    expected = reference_top_series(frame, parse_spec(spec_data), TIMEZONE)
    got = civiclab_points(frame, spec_data)
    assert [(s, g, o, n) for s, g, o, _v, n in got] == [(s, g, o, n) for s, g, o, _v, n in expected]
    for (start, group, other, value, _n), wanted in zip(got, expected, strict=True):
        assert close(value, wanted[3]), (start, group, other, value, wanted)


def test_other_is_not_a_group_named_other() -> None:
    """A real value "Other" stays its own group beside the gathered Other, and a missing value
    beside both: three different columns of the grid."""
    records = [(0, i * 60, None, kind, 1.0) for i, kind in enumerate(
        ["Other"] * 3 + [None] * 2 + ["a"] + ["b"]
    )]  # fmt: skip
    spec = {"dataset": "requests", "measure": {"type": "count"}, "breakdown": "kind",
            "breakdown_top": 2}  # fmt: skip
    got = civiclab_points(frame_of(records), spec)
    assert [(g, o, n) for _s, g, o, _v, n in got] == [
        (None, False, 2),
        ("Other", False, 3),
        (None, True, 2),
    ]
    # The equity lens compares groups of people, not Other nor no value: here only one group
    # ("Other", the real value) is left, so there is no gap to show.
    points = [Point(None, v, n, g, None, o) for _s, g, o, v, n in got]
    assert gaps(points, lower_is_better=True)[0].best_group is None


def test_the_grid_counts_the_kept_groups_and_other() -> None:
    """A grid of 4 groups with breakdown_top 2 is 3 groups wide: within a limit of 3 groups,
    over a limit of 2; and a breakdown_top the limit cannot hold is refused on its own."""
    frame = frame_of([(0, i * 3600, None, kind, 1.0) for i, kind in enumerate("abcab")])
    spec = parse_spec({"dataset": "requests", "measure": {"type": "count"},
                       "breakdown": "kind", "breakdown_top": 2})  # fmt: skip
    query = compile_spec(spec, COLUMNS, TIMEZONE, table="requests")
    folder = tempfile.TemporaryDirectory()
    with (
        folder,
        CityQuery(
            [TableFile("requests", parquet_of(frame, folder.name))],
            memory_mb=512,
            timeout_seconds=30,
        ) as run,
    ):
        assert check_grid(query, run.execute_arrow, GridLimits(3, 100)).groups == 3
        with pytest.raises(GridTooLarge) as too_many:
            check_grid(query, run.execute_arrow, GridLimits(2, 100))
        assert too_many.value.details[0].path == "breakdown_top"
        bare = compile_spec(spec.model_copy(update={"breakdown_top": None}), COLUMNS,
                            TIMEZONE, table="requests")  # fmt: skip
        with pytest.raises(GridTooLarge) as without:
            check_grid(bare, run.execute_arrow, GridLimits(2, 100))
        assert without.value.details[0].path == "breakdown"
        assert "breakdown_top" in without.value.details[0].message


def test_breakdown_top_needs_groups_to_keep() -> None:
    with pytest.raises(SpecError) as error:
        parse_spec({"dataset": "d", "measure": {"type": "count"}, "breakdown_top": 3})
    assert error.value.details[0].template.startswith("breakdown_top needs a breakdown")
    with pytest.raises(SpecError) as zero:
        parse_spec({"dataset": "d", "measure": {"type": "count"}, "breakdown": "kind",
                    "breakdown_top": 0})  # fmt: skip
    assert zero.value.details[0].path == "breakdown_top"
