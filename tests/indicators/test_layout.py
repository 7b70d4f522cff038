"""The grid of periods × groups built from a query's rows (evaluate.lay_out)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from civiclab.indicators.engine.compile import CompiledQuery
from civiclab.indicators.engine.evaluate import Point, lay_out

FLOAT = pa.float64()


def table(rows: list[tuple], value_type: pa.DataType = FLOAT) -> pa.Table:
    starts, groups, values, counts = zip(*rows, strict=True) if rows else ([], [], [], [])
    return pa.table(
        {
            "start": pa.array(starts, pa.date32()),
            "__group1": pa.array(groups, pa.string()),
            "value": pa.array(values, value_type),
            "n": pa.array(counts, pa.int64()),
        }
    )


def query(period: str | None, zero: bool = False) -> CompiledQuery:
    return CompiledQuery(sql="", zero_when_empty=zero, period=period, grouped=True)


def test_weeks_across_a_year_end_fill_the_missing_week_and_group() -> None:
    rows = [
        (dt.date(2024, 12, 23), "b", 2.0, 2),
        (dt.date(2025, 1, 6), "a", 5.0, 1),
        (dt.date(2024, 12, 23), None, 1.0, 1),
    ]
    series = lay_out(query("week"), table(rows))
    assert series.periods == ["2024-W52", "2025-W01", "2025-W02"]
    assert series.starts == [dt.date(2024, 12, 23), dt.date(2024, 12, 30), dt.date(2025, 1, 6)]
    assert series.groups == [None, "a", "b"]
    assert list(series) == [
        Point("2024-W52", 1.0, 1, None, dt.date(2024, 12, 23)),
        Point("2024-W52", None, 0, "a", dt.date(2024, 12, 23)),
        Point("2024-W52", 2.0, 2, "b", dt.date(2024, 12, 23)),
        Point("2025-W01", None, 0, None, dt.date(2024, 12, 30)),
        Point("2025-W01", None, 0, "a", dt.date(2024, 12, 30)),
        Point("2025-W01", None, 0, "b", dt.date(2024, 12, 30)),
        Point("2025-W02", None, 0, None, dt.date(2025, 1, 6)),
        Point("2025-W02", 5.0, 1, "a", dt.date(2025, 1, 6)),
        Point("2025-W02", None, 0, "b", dt.date(2025, 1, 6)),
    ]


@pytest.mark.parametrize(
    ("period", "first", "last", "labels"),
    [
        ("month", dt.date(2023, 11, 1), dt.date(2024, 2, 1),
         ["2023-11", "2023-12", "2024-01", "2024-02"]),
        ("quarter", dt.date(2023, 10, 1), dt.date(2024, 4, 1), ["2023-Q4", "2024-Q1", "2024-Q2"]),
        ("year", dt.date(2022, 1, 1), dt.date(2024, 1, 1), ["2022", "2023", "2024"]),
        ("day", dt.date(2024, 2, 28), dt.date(2024, 3, 1),
         ["2024-02-28", "2024-02-29", "2024-03-01"]),
    ],
)  # fmt: skip
def test_every_period_between_the_first_and_the_last(
    period: str, first: dt.date, last: dt.date, labels: list[str]
) -> None:
    series = lay_out(
        query(period, zero=True), table([(last, "x", 3, 3), (first, "x", 1, 1)], pa.int64())
    )
    assert series.periods == labels
    values = [p.value for p in series]
    assert values == [1] + [0] * (len(labels) - 2) + [3]
    assert all(type(v) is int for v in values)  # counts stay integers


def test_indexing_agrees_with_iteration() -> None:
    rows = [(dt.date(2024, m, 1), g, float(m), m) for m in (1, 3) for g in ("a", "b")]
    series = lay_out(query("month"), table(rows))
    points = list(series)
    assert len(series) == len(points) == 6
    assert [series[i] for i in range(-6, 6)] == points + points
    assert series[1:4] == points[1:4]
    with pytest.raises(IndexError):
        series[6]


def test_no_rows_is_an_empty_series() -> None:
    series = lay_out(query("month"), table([]))
    assert len(series) == 0 and list(series) == []


def test_whole_time_without_groups_is_one_point() -> None:
    rows = pa.table(
        {
            "start": pa.array([None], pa.date32()),
            "__group1": pa.array([None], pa.string()),
            "value": pa.array([12], pa.decimal128(38, 0)),  # DuckDB's sum of integers
            "n": pa.array([4], pa.int64()),
        }
    )
    (point,) = lay_out(CompiledQuery(sql="", zero_when_empty=True), rows)
    assert point == Point(None, 12, 4, None, None) and type(point.value) is int


def test_a_row_missing_any_breakdown_column_is_in_the_no_group(tmp_path) -> None:
    """Rows with a NULL in either column form one group together, whose median is theirs."""
    import duckdb

    from civiclab.datasets.engine import CityQuery, TableFile
    from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN
    from civiclab.indicators.engine.evaluate import evaluate
    from civiclab.indicators.engine.spec import parse_spec

    path = tmp_path / "v1.parquet"
    duckdb.connect().execute(
        "COPY (SELECT * FROM (VALUES ('N', 'low', 1.0), ('N', 'low', 3.0), ('N', NULL, 10.0),"
        " (NULL, 'high', 20.0), (NULL, NULL, 30.0), ('S', 'high', 5.0), ('N / x', 'y', 7.0))"
        f" t(side, income, amount), (SELECT FALSE AS {REFUSED_COLUMN})) TO '{path}'"
    )
    spec = parse_spec(
        {"dataset": "d", "measure": {"type": "median", "column": "amount"},
         "breakdown": ["side", "income"]}
    )  # fmt: skip
    columns = {"side": "category", "income": "category", "amount": "decimal"}
    with CityQuery([TableFile("d", path)], memory_mb=512, timeout_seconds=30) as query:
        series = evaluate(spec, columns, "UTC", query.execute_arrow)
    assert [(p.group, p.value, p.n) for p in series] == [
        (None, 20.0, 3),
        ("N / low", 2.0, 2),
        ("N / x / y", 7.0, 1),
        ("S / high", 5.0, 1),
    ]


def test_dates_centuries_apart_take_the_per_row_path() -> None:
    rows = [(dt.date(1750, 6, 1), "x", 1, 1), (dt.date(2150, 1, 1), "x", 2, 1)]
    series = lay_out(query("year", zero=True), table(rows, pa.int64()))
    assert len(series.periods) == 401
    assert series.periods[0] == "1750" and series.periods[-1] == "2150"
    assert [p.value for p in series][:2] == [1, 0] and series[-1].value == 2
