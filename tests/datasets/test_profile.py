"""The profile read from Parquet statistics matches one computed by scanning every row."""

from __future__ import annotations

from pathlib import Path

from civiclab.datasets.ingest.pipeline import dataset_relation
from civiclab.datasets.ingest.profile import profile_file, profile_relation
from tests.datasets.helpers import REAL, ingest, write


def without_top(profile: dict) -> list[dict]:
    return [{k: v for k, v in c.items() if k != "top"} for c in profile["columns"]]


def test_statistics_and_scan_agree(tmp_path: Path) -> None:
    output, con = ingest(REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv", tmp_path)
    fast = profile_file(con, output.path, output.columns)
    scanned = profile_relation(con, dataset_relation(output.path), output.columns)
    assert fast["rows"] == scanned["rows"] == 1000
    assert without_top(fast) == without_top(scanned)
    by_name = {c["name"]: c for c in fast["columns"]}
    assert by_name["Unique Key"]["type"] == "text"  # an identifier, not a quantity
    assert isinstance(by_name["X Coordinate (State Plane)"]["min"], int)
    assert by_name["Closed Date"]["nulls"] == sum(
        1 for (v,) in con.execute(
            f'SELECT "Closed Date" FROM {dataset_relation(output.path)}'
        ).fetchall() if v is None
    )  # fmt: skip
    agency = by_name["Agency"]
    assert agency["type"] == "category"
    counts = dict(
        con.execute(
            f'SELECT "Agency", count(*) FROM {dataset_relation(output.path)} GROUP BY 1'
        ).fetchall()
    )
    assert agency["top"][0]["count"] == max(counts.values())
    assert all(counts[t["value"]] == t["count"] for t in agency["top"])


def test_refused_rows_are_left_out_of_the_profile(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "id,lat\n1,40.5\n2,95\n3,41.5\n")
    output, con = ingest(path, tmp_path, max_bad_rows=1)
    profile = profile_file(con, output.path, output.columns)
    assert profile["rows"] == 2
    lat = {c["name"]: c for c in profile["columns"]}["lat"]
    assert (lat["min"], lat["max"], lat["nulls"]) == (40.5, 41.5, 0)


def test_date_ranges_are_dates(tmp_path: Path) -> None:
    output, con = ingest(write(tmp_path / "d.csv", "day\n2024-01-05\n2024-03-01\n"), tmp_path)
    day = profile_file(con, output.path, output.columns)["columns"][0]
    assert (day["type"], day["min"], day["max"]) == ("date", "2024-01-05", "2024-03-01")
