"""Spatial questions over a city's datasets: proximity between two datasets, saved as a new
dataset when asked. Reads go through the sandboxed query engine; a saved result is imported
like any file, so it is versioned and usable by indicators and maps."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from civiclab.datasets import services as datasets
from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.datasets.queries import version_path
from civiclab.geo.coordinates import Locations, location_columns, read_locations
from civiclab.geo.proximity import Proximity, proximity

DISTANCE_COLUMN = "distance_m"
KEPT_TYPES = {"text", "category", "integer", "decimal", "latitude", "longitude", "boolean"}


def columns_of(dataset: Dataset) -> dict[str, str]:
    version = dataset.current_version
    if version is None:
        raise ValueError(f"the dataset {dataset.name!r} has no data yet")
    return {c["name"]: c["type"] for c in version.columns}


def _query(dataset: Dataset) -> CityQuery:
    assert dataset.current_version is not None
    return CityQuery([TableFile(dataset.slug, version_path(dataset.current_version))])


def dataset_locations(dataset: Dataset) -> Locations:
    with _query(dataset) as query:
        return read_locations(dataset.slug, columns_of(dataset), query.execute_arrow)


@dataclass(frozen=True)
class ProximityAnswer:
    origin: Dataset
    near: Dataset
    result: Proximity
    origin_locations: Locations
    near_locations: Locations

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "from": self.origin.slug,
            "near": self.near.slug,
            "distance_m": round(r.distance_m, 3),
            "count": r.count,
            "total": r.total,
            "from_without_location": r.a_without_coordinates,
            "near_without_location": r.b_without_coordinates,
            "from_located_by": self.origin_locations.source,
            "near_located_by": self.near_locations.source,
            "projection": f"EPSG:{r.epsg}",
        }


def proximity_between(origin: Dataset, near: Dataset, distance_m: float) -> ProximityAnswer:
    """Rows of ``origin`` within ``distance_m`` metres of any row of ``near``."""
    a, b = dataset_locations(origin), dataset_locations(near)
    return ProximityAnswer(origin, near, proximity(a.lon, a.lat, b.lon, b.lat, distance_m), a, b)


def save_matches(by: Any, answer: ProximityAnswer, name: str) -> DatasetVersion:
    """The matching rows of ``origin`` with their distance to the nearest ``near`` row, as a new
    version of the city's dataset ``name`` (made if new)."""
    origin = answer.origin
    found = location_columns(columns_of(origin))
    if not isinstance(found, tuple):
        raise ValueError(
            "saving is for datasets located by latitude and longitude columns; "
            f"{origin.name!r} has a geometry column"
        )
    with _query(origin) as query:
        table = query.execute_arrow(f'SELECT * FROM "{origin.slug}"')
    matches = answer.result.matches
    rows = table.take(pa.array(matches, pa.int64()))
    rows = rows.append_column(DISTANCE_COLUMN, pa.array(np.round(answer.result.matches_m, 2)))
    with tempfile.TemporaryDirectory(prefix="civiclab-geo-") as folder:
        path = Path(folder) / f"{name}.csv"
        pacsv.write_csv(rows, path)
        # Keep the types whose written form is unambiguous (codes with leading zeros stay
        # text); times and dates are recognised again from how they are written.
        overrides = {
            c: {"type": kind} for c, kind in columns_of(origin).items() if kind in KEPT_TYPES
        }
        overrides[DISTANCE_COLUMN] = {"type": "decimal"}
        return datasets.import_file(
            by,
            origin.city,
            name,
            path,
            path.name,
            datasets.ImportOptions(
                format="csv",
                overrides=overrides,
                visibility=origin.visibility,
                description=(
                    f"Rows of {origin.name} within {answer.result.distance_m:g} m of a row of "
                    f"{answer.near.name}, with the distance to the nearest ({DISTANCE_COLUMN})."
                ),
            ),
        )
