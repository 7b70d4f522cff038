"""Text survives an import exactly as written: only empty fields become missing."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.datasets.helpers import ingest, rows

# Values pandas and pyarrow would turn into nulls or numbers by default.
TRICKY = ["N/A", "NA", "None", "null", "NaN", "nan", "-", "007", "00501", "1e5", "TRUE", " x "]
values = st.one_of(
    st.sampled_from(TRICKY),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
        | st.sampled_from([",", '"', "\n", "\r", ";", "é", "€"]),
        min_size=1,
        max_size=20,
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(values, values), min_size=1, max_size=30))
def test_text_round_trips(records: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "values.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["first", "second"])
            writer.writerows(records)
        overrides = {"first": {"type": "text"}, "second": {"type": "text"}}
        output, con = ingest(path, work, overrides=overrides)
        assert output.report.bad_rows == 0
        assert rows(con, output, "first, second") == records


def test_declared_null_markers_are_the_only_other_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("zip,note\n00501,N/A\n,NA\n02134,n/a\n", encoding="utf-8")
    output, con = ingest(path, tmp_path, overrides={"note": {"null_markers": ["N/A"]}})
    assert rows(con, output, "zip, note") == [("00501", None), (None, "NA"), ("02134", "n/a")]


def test_spatial_number_properties_beyond_integer_precision(tmp_path: Path) -> None:
    """Regression: a float property too large for an exact integer (or not finite) used to
    fail the whole import while being written back as text."""
    import json

    import pyarrow as pa
    import shapely
    from pyogrio.raw import write_arrow

    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}
    document = {"type": "FeatureCollection", "features": [
        {**feature, "properties": {"big": 1e20, "whole": 12.0, "part": 2.5}},
        {**feature, "properties": {"big": None, "whole": None, "part": None}},
    ]}  # fmt: skip
    path = tmp_path / "numbers.geojson"
    path.write_text(json.dumps(document))
    output, con = ingest(path, tmp_path)
    assert rows(con, output, "big, whole, part") == [(1e20, 12, 2.5), (None, None, None)]

    nan = tmp_path / "nan.gpkg"  # GeoPackage can hold NaN and infinity
    points = shapely.to_wkb(shapely.points([[0, 0], [1, 1], [2, 2]]))
    table = pa.table({"x": [float("nan"), float("inf"), 3.0], "geometry": points})
    write_arrow(
        table, nan, driver="GPKG", geometry_name="geometry", geometry_type="Point",
        crs="EPSG:4326",
    )  # fmt: skip
    output, con = ingest(nan, tmp_path)
    assert rows(con, output, "CAST(x AS VARCHAR)")[2] == ("3",)
