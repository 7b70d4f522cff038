"""The spec language, its JSON Schema, and `civiclab indicator eval`."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civiclab.datasets import services
from civiclab.datasets.filters.language import SpecError
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.spec import indicator_json_schema, parse_spec
from tests.datasets.helpers import REAL
from tests.factories import CityFactory

EXAMPLE = {
    "dataset": "311",
    "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                "stat": "median", "unit": "hours"},
    "time": {"column": "Created Date", "period": "month"},
    "filters": [{"column": "Complaint Type", "op": "=", "value": "Noise - Residential"}],
    "breakdown": "Community Board",
}  # fmt: skip
COLUMNS = {
    "Created Date": "timestamp", "Closed Date": "timestamp", "Complaint Type": "text",
    "Community Board": "text", "Unique Key": "integer",
}  # fmt: skip


def test_the_example_spec_validates_and_compiles_with_parameters() -> None:
    query = compile_spec(parse_spec(EXAMPLE), COLUMNS, "America/New_York")
    assert "Noise - Residential" not in query.sql  # user values are parameters
    assert "Noise - Residential" in query.params and "America/New_York" in query.params
    assert "$1" in query.shown() and "-- $1 = " in query.shown()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"measure": {"type": "median"}}, "measure.median.column: Field required"),
        ({"measure": {"type": "sum", "column": "Complaint Type"}}, "not decimal or integer"),
        ({"filters": [{"column": "Nope", "op": "=", "value": 1}]}, "no column 'Nope'"),
        ({"filters": [{"column": "Unique Key", "op": "in", "value": 3}]}, "non-empty list"),
        ({"time": {"column": "Created Date", "period": "fortnight"}}, "time.period"),
        ({"breakdown": "Borough"}, "breakdown: the dataset has no column 'Borough'"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_invalid_specs_name_the_place_and_the_reason(change: dict, problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        compile_spec(parse_spec(EXAMPLE | change), COLUMNS, "UTC")
    assert problem in str(caught.value)


def test_the_published_json_schema_is_current() -> None:
    committed = Path(__file__).resolve().parents[2] / "docs" / "indicator-spec.schema.json"
    assert json.loads(committed.read_text()) == indicator_json_schema(), (
        "regenerate: uv run civiclab indicator schema > docs/indicator-spec.schema.json"
    )


@pytest.mark.django_db
def test_cli_eval_prints_the_series(tmp_path: Path) -> None:
    city = CityFactory(slug="nyc", timezone="America/New_York")
    source = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
    services.import_file(None, city, "311", source, source.name, services.ImportOptions())
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(EXAMPLE))
    out = io.StringIO()
    call_command("indicator", "eval", str(spec), "--city", "nyc", "--json", stdout=out)
    series = json.loads(out.getvalue())
    assert set(series[0]) == {"period", "value", "n", "group"}
    assert all(len(p["period"]) == 7 for p in series)  # 2018-06
    with_rows = [p for p in series if p["n"]]
    assert with_rows and all(p["value"] is not None and p["value"] >= 0 for p in with_rows)
    count = tmp_path / "count.json"
    count.write_text(json.dumps({"dataset": "311", "measure": {"type": "count"}}))
    out = io.StringIO()
    call_command("indicator", "eval", str(count), "--city", "nyc", "--json", stdout=out)
    assert json.loads(out.getvalue()) == [{"period": None, "value": 1000.0, "n": 1000}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dataset": "311", "measure": {"type": "sum", "column": "x"}}))
    with pytest.raises(CommandError, match="no column 'x'"):
        call_command("indicator", "eval", str(bad), "--city", "nyc")


DUCKDB_LABELS = {  # an independent reference: DuckDB's own calendar functions
    "day": "strftime(d, '%Y-%m-%d')",
    "week": "strftime(d, '%G-W%V')",
    "month": "strftime(d, '%Y-%m')",
    "quarter": "CAST(year(d) AS VARCHAR) || '-Q' || CAST(quarter(d) AS VARCHAR)",
    "year": "CAST(year(d) AS VARCHAR)",
}


@pytest.mark.parametrize("period", ["day", "week", "month", "quarter", "year"])
def test_period_labels_match_duckdb_calendar(period: str) -> None:

    import duckdb

    from civiclab.indicators.engine.evaluate import period_label

    days = [dt.date(2020, 12, 25) + dt.timedelta(days=n) for n in range(0, 800, 3)]
    con = duckdb.connect()
    for day in days:
        start = con.execute(f"SELECT CAST(date_trunc('{period}', ?::DATE) AS DATE)", [day])
        (first,) = start.fetchone()
        (label,) = con.execute(
            f"SELECT {DUCKDB_LABELS[period]} FROM (SELECT ?::DATE AS d)", [first]
        ).fetchone()
        assert period_label(first, period) == label, day
