"""Saving a typed Arrow table as a dataset (``services.import_table``): every type survives
exactly, with the checks, audit and visibility rules of an upload."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
import shapely
from django.core.exceptions import PermissionDenied

from civiclab.audit.models import AuditEvent
from civiclab.datasets import services
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest.tables import table_columns
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, version_query
from tests.world import World

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
BIG = 2**62 + 1  # no DOUBLE holds it: a text round trip through a float would change it


def typed_table() -> pa.Table:
    """One column of each kind a saved analysis holds, with values a text round trip loses."""
    return pa.table(
        {
            "id": pa.array([BIG, -7, None], pa.int64()),
            "distance_m": pa.array([0.1 + 0.2, 1e-300, None], pa.float64()),
            "zip": pa.array(["01234", "00000", None], pa.string()),
            "borough": pa.array(["Queens", "Bronx", "Queens"], pa.string()),
            "opened": pa.array(
                [
                    dt.datetime(2024, 3, 10, 1, 59, 59, 123456, tzinfo=NEW_YORK),
                    dt.datetime(2024, 11, 3, 1, 30, tzinfo=dt.UTC),
                    None,
                ],
                pa.timestamp("us", tz="America/New_York"),
            ),
            "day": pa.array([dt.date(2024, 2, 29), None, dt.date(1900, 1, 1)], pa.date32()),
            "open": pa.array([True, False, None], pa.bool_()),
            "lat": pa.array([40.712776123456789, -90.0, None], pa.float64()),
            "lon": pa.array([-74.005974987654321, 180.0, None], pa.float64()),
            "shape": pa.array(
                [
                    shapely.to_wkb(shapely.Point(-74.0059749876543, 40.7127761234567)),
                    shapely.to_wkb(shapely.LineString([(0, 0), (1e-9, 1e-9)])),
                    None,
                ],
                pa.binary(),
            ),
            "nothing": pa.nulls(3),
        }
    )


TYPES = {"borough": "category", "lat": "latitude", "lon": "longitude", "shape": "geometry"}


def save(world: World, table: pa.Table, name: str = "saved", actor: str = "member", **options):
    return services.import_table(
        world.user(actor),
        world.city,
        name,
        table,
        services.ImportOptions(**options),
        types=TYPES if set(TYPES) <= set(table.column_names) else None,
        source_name="a test",
    )


def test_every_type_survives_exactly(world: World) -> None:
    """GIVEN a typed table with big integers, float sums, codes of digits, times with a zone,
    dates, booleans, coordinates to the last digit and geometries
    WHEN it is saved as a dataset
    THEN every column has the type asked for or its own, and every value reads back
    exactly, in the table's row order."""
    table = typed_table()
    version = save(world, table)
    assert column_types(version) == {
        "id": "integer",
        "distance_m": "decimal",
        "zip": "text",
        "borough": "category",
        "opened": "timestamp",
        "day": "date",
        "open": "boolean",
        "lat": "latitude",
        "lon": "longitude",
        "shape": "geometry",
        "nothing": "text",
    }
    with version_query(version) as query:
        stored = query.execute_arrow("SELECT * FROM data")
    assert stored.num_rows == 3 and version.rows == 3
    for name in table.column_names:
        if name in ("opened", "nothing"):
            continue
        assert stored.column(name).to_pylist() == table.column(name).to_pylist(), name
    # The same instants (stored in UTC, as every timestamp column is).
    assert [t and t.astimezone(dt.UTC) for t in stored.column("opened").to_pylist()] == [
        t and t.astimezone(dt.UTC) for t in table.column("opened").to_pylist()
    ]
    assert stored.column("nothing").null_count == 3
    assert stored.column("id").to_pylist()[0] == BIG
    assert stored.column("distance_m").to_pylist()[0] == 0.1 + 0.2 != 0.3
    assert version.details["format"] == "table" and version.source_name == "a test"


def test_checks_audit_and_visibility_of_an_upload(world: World) -> None:
    """GIVEN a table
    WHEN someone saves it
    THEN the rules of an upload apply: who may import, sharing beyond the city is
    publishing, a taken name needs add_version, and the import is audited with its lineage."""
    table = typed_table()
    with pytest.raises(PermissionDenied):
        save(world, table, actor="viewer")
    with pytest.raises(PermissionDenied):
        save(world, table, actor="member", visibility="network")  # publishing
    version = save(world, table, visibility="city")
    assert AuditEvent.objects.filter(action="dataset.import", city=world.city).count() == 1
    with pytest.raises(IngestError) as taken:
        save(world, table)
    assert taken.value.code == "name_taken"
    again = save(world, table, add_version=True)
    assert again.number == version.number + 1
    with pytest.raises(IngestError) as mode:
        save(world, table, mode="append", add_version=True)
    assert mode.value.code == "mode"


def test_values_a_type_cannot_hold_are_refused_as_in_an_upload(world: World) -> None:
    """GIVEN a table with NaN in a number column and a latitude beyond 90
    WHEN it is saved (no bad row allowed, then one)
    THEN it is refused with the upload's bad-rows report, or saved without the bad rows."""
    table = pa.table(
        {
            "x": pa.array([1.5, math.nan, 2.5], pa.float64()),
            "lat": pa.array([1.0, 2.0, 91.0], pa.float64()),
        }
    )
    with pytest.raises(IngestError) as refused:
        services.import_table(
            None, world.city, "bad", table, services.ImportOptions(), types={"lat": "latitude"}
        )
    assert refused.value.code == "bad_rows"
    report = refused.value.report
    assert report is not None and report.bad_rows == 2
    assert [(p.row, p.column) for p in report.examples] == [(2, "x"), (3, "lat")]
    assert not Dataset.objects.filter(slug="bad").exists()
    version = services.import_table(
        None,
        world.city,
        "bad",
        table,
        services.ImportOptions(max_bad_rows=2),
        types={"lat": "latitude"},
    )
    assert version.rows == 1 and version.report["bad_rows"] == 2


def test_a_type_the_values_cannot_be_is_a_mistake() -> None:
    """A caller asking for a type the Arrow column cannot be is told so, not guessed for."""
    schema = pa.schema([("code", pa.string()), ("at", pa.timestamp("us"))])
    with pytest.raises(ValueError, match="cannot be integer"):
        table_columns(pa.schema([("code", pa.string())]), {"code": "integer"})
    with pytest.raises(ValueError, match="time zone"):
        table_columns(schema)
    with pytest.raises(ValueError, match="does not have"):
        table_columns(pa.schema([("code", pa.string())]), {"other": "text"})
