"""Mobile's spatial demo: parcels, blighted properties, neighbourhoods and streets, so the
150-foot question can be asked and seen on the map — offline too: the neighbourhoods are the
city's boundaries and the streets a base layer, drawn under every map without tiles.

The shapes are synthetic (no public parcel file for Mobile fits in the repository): 45,000
parcels on street blocks over the city's real extent, around the real names of a dozen of its
neighbourhoods drawn as Voronoi cells; about 2,000 blighted properties, concentrated as blight
is (most in four neighbourhoods), each with the date a code officer identified it; a street
in front of each row of lots and a grid of arterials. Generated from a fixed seed, so every
demo has the same numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from civiclab.datasets import services as datasets
from civiclab.lazy_modules import lazy_module
from civiclab.network.models import City

if TYPE_CHECKING:
    import numpy as np
    import shapely
else:
    np = lazy_module("numpy")
    shapely = lazy_module("shapely")

SEED = 2016
PARCELS = 45_000
# Real neighbourhood names of Mobile, AL, at approximate centres (lon, lat).
NEIGHBOURHOODS = [
    ("Downtown", -88.043, 30.692),
    ("Oakleigh", -88.060, 30.679),
    ("Midtown", -88.080, 30.685),
    ("Crichton", -88.100, 30.681),
    ("Toulminville", -88.077, 30.712),
    ("Plateau", -88.072, 30.740),
    ("Maysville", -88.062, 30.662),
    ("Spring Hill", -88.132, 30.690),
    ("Westlawn", -88.110, 30.665),
    ("Church Street East", -88.045, 30.683),
    ("Leinkauf", -88.055, 30.672),
    ("Harvest Hills", -88.150, 30.720),
]
BLIGHT_WEIGHT = {"Toulminville": 9, "Plateau": 7, "Maysville": 7, "Crichton": 4}
EXTENT = (-88.17, 30.645, -88.025, 30.755)  # west, south, east, north
LAND_USE = ["Residential", "Residential", "Residential", "Commercial", "Vacant land"]


def _neighbourhoods() -> list[tuple[str, shapely.Geometry]]:
    seeds = shapely.multipoints([(x, y) for _name, x, y in NEIGHBOURHOODS])
    box = shapely.box(*EXTENT)
    cells = shapely.voronoi_polygons(seeds, extend_to=box).geoms
    shapes = []
    for name, x, y in NEIGHBOURHOODS:
        cell = next(c for c in cells if c.contains(shapely.Point(x, y)))
        shapes.append((name, cell.intersection(box)))
    return shapes


def generate(folder: Path) -> dict[str, Path]:
    """Write the four files; returns dataset name → file."""
    rng = np.random.default_rng(SEED)
    areas = _neighbourhoods()
    # Parcels: blocks of 12–30 lots in rows, around random block corners.
    lots: list[tuple[float, float, str, str]] = []
    blocks: list[tuple[float, float, int]] = []  # corner and lots, for the streets
    while len(lots) < PARCELS:
        x0 = rng.uniform(EXTENT[0], EXTENT[2])
        y0 = rng.uniform(EXTENT[1], EXTENT[3])
        size = int(rng.integers(12, 31))
        blocks.append((x0, y0, min(size, PARCELS - len(lots))))
        for i in range(size):
            x = x0 + (i % 10) * 0.00017  # ~16 m frontage
            y = y0 + (i // 10) * 0.0004
            lots.append((x, y, str(rng.choice(LAND_USE)), str(rng.integers(1900, 2011))))
    lots = lots[:PARCELS]
    lon = np.array([lot[0] for lot in lots])
    lat = np.array([lot[1] for lot in lots])
    points = shapely.points(lon, lat)
    area_of = np.full(len(lots), "", dtype=object)
    for name, shape in areas:
        area_of[shapely.contains_xy(shape, lon, lat)] = name
    weight = np.array([BLIGHT_WEIGHT.get(a, 1) for a in area_of], dtype=float)
    blighted = rng.choice(len(lots), 2_000, replace=False, p=weight / weight.sum())
    files = {}
    parcels = folder / "mobile-parcels.csv"
    with parcels.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Parcel ID", "Latitude", "Longitude", "Land use", "Year built"])
        for i, (x, y, use, year) in enumerate(lots):
            writer.writerow([f"R0{22900000 + i}", f"{y:.6f}", f"{x:.6f}", use, year])
    files["Parcels"] = parcels
    blight = folder / "mobile-blighted.csv"
    start = dt.date(2022, 1, 1)
    with blight.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Parcel ID", "Latitude", "Longitude", "Identified", "Condition"])
        for i in sorted(blighted):
            x, y = shapely.get_x(points[i]), shapely.get_y(points[i])
            day = start + dt.timedelta(days=int(rng.integers(0, 1000)))
            condition = rng.choice(["Open to trespass", "Fire damage", "Structural", "Overgrown"])
            writer.writerow([f"R0{22900000 + i}", f"{y:.6f}", f"{x:.6f}", day, condition])
    files["Blighted properties"] = blight
    hoods = folder / "mobile-neighbourhoods.geojson"
    hoods.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"Neighbourhood": name},
                        "geometry": json.loads(shapely.to_geojson(shape)),
                    }
                    for name, shape in areas
                ],
            }
        )
    )
    files["Neighbourhoods"] = hoods
    streets = folder / "mobile-streets.geojson"
    streets.write_text(json.dumps({"type": "FeatureCollection", "features": _streets(blocks)}))
    files["Streets"] = streets
    return files


def _streets(blocks: list[tuple[float, float, int]]) -> list[dict[str, object]]:
    """Street centrelines: one in front of each row of ten lots, and arterials every ~1 km."""
    features = []
    for x0, y0, lots in blocks:
        for row in range((lots + 9) // 10):
            y = round(y0 + row * 0.0004 - 0.0002, 6)
            line = [[round(x0 - 0.0001, 6), y], [round(x0 + 9 * 0.00017 + 0.0001, 6), y]]
            features.append(_street(line, "local"))
    west, south, east, north = EXTENT
    for i in range(int((east - west) / 0.01) + 1):
        x = round(west + i * 0.01, 6)
        features.append(_street([[x, south], [x, north]], "arterial"))
    for i in range(int((north - south) / 0.01) + 1):
        y = round(south + i * 0.01, 6)
        features.append(_street([[west, y], [east, y]], "arterial"))
    return features


def _street(line: list[list[float]], kind: str) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"Kind": kind},
        "geometry": {"type": "LineString", "coordinates": line},
    }


def seed_demo_geo() -> list[str]:
    """Import Mobile's parcels, blighted properties, neighbourhoods and streets (once), give
    each blighted property its neighbourhood, and draw the neighbourhoods (as boundaries) and
    the streets (a base layer) under every map."""
    from civiclab.geo.services import assign_areas_to, attach_boundary, mark_base_layer
    from civiclab.indicators.services import create_indicator

    city = City.objects.filter(slug="mobile").first()
    if city is None or datasets.find_dataset(city, "Parcels"):
        return []
    made = []
    with tempfile.TemporaryDirectory(prefix="civiclab-demo-geo-") as folder:
        for name, path in generate(Path(folder)).items():
            options = datasets.ImportOptions(
                visibility="network",
                description=f"Demo data: synthetic {name.lower()} of Mobile (see geo/demo.py).",
                overrides={} if path.suffix == ".geojson" else {"Parcel ID": {"type": "text"}},
            )
            version = datasets.import_file(None, city, name, path, path.name, options)
            made.append(f"mobile/{version.dataset.slug} ({version.rows:,} rows)")
    blighted = datasets.find_dataset(city, "Blighted properties")
    areas = datasets.find_dataset(city, "Neighbourhoods")
    assert blighted is not None and areas is not None
    attach_boundary(None, areas, "Neighbourhood")
    streets = datasets.find_dataset(city, "Streets")
    assert streets is not None
    mark_base_layer(None, streets)
    assign_areas_to(None, blighted, areas, "Neighbourhood", "Neighbourhood")
    blighted.refresh_from_db()
    create_indicator(
        None,
        blighted,
        "Blighted properties identified",
        {
            "dataset": blighted.slug,
            "measure": {"type": "count"},
            "time": {"column": "Identified", "period": "quarter"},
            "breakdown": "Neighbourhood",
            "polarity": "lower_is_better",
            "unit": "properties",
        },
        description="Blighted properties code officers identified per quarter, by neighbourhood.",
        visibility="network",
    )
    return made
