"""Spatial files (GeoJSON, GeoPackage, zipped Shapefile): attributes as text, geometries as
EPSG:4326 WKB, checked one by one so a broken shape is reported, not stored."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from pyproj import CRS, Transformer

from civiclab.datasets.ingest.columns import ColumnSpec, ColumnType
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.report import IngestError, english, problem_text
from civiclab.datasets.ingest.sources import RawSource, check_header

GEOMETRY_COLUMN = "geometry"
PROBLEM_COLUMN = "__geometry_problem"
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"}


def unpack_shapefile(path: Path, work_dir: Path, limits: ReadLimits) -> Path:
    """Extract a zipped Shapefile safely; return the .shp path.

    Sizes are checked from the zip's directory before anything is written (a zip bomb
    is refused, not inflated), and members are written under their base names only.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise IngestError("The file is not a valid zip archive.", code="unreadable") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
        if not shapefiles:
            names = ", ".join(m.filename for m in members[:10]) or "nothing"
            raise IngestError(
                "The zip file holds no shapefile (.shp); it holds {names}.",
                code="format",
                params={"names": names},
            )
        wanted_stem = PurePosixPath(shapefiles[0].filename).with_suffix("")
        parts = [
            m
            for m in members
            if PurePosixPath(m.filename).with_suffix("") == wanted_stem
            and PurePosixPath(m.filename).suffix.lower() in SHAPEFILE_PARTS
        ]
        limits.check_zip(parts)
        target_dir = work_dir / "shapefile"
        target_dir.mkdir(exist_ok=True)
        for member in parts:
            name = "layer" + PurePosixPath(member.filename).suffix.lower()
            with archive.open(member) as src, (target_dir / name).open("wb") as dst:
                # Read in bounded chunks and stop at the declared size: a lying header
                # cannot make us write more than was checked above.
                remaining = member.file_size
                while remaining > 0 and (chunk := src.read(min(1 << 20, remaining))):
                    dst.write(chunk)
                    remaining -= len(chunk)
        return target_dir / "layer.shp"


def spatial_source(path: Path, fmt: str, limits: ReadLimits) -> RawSource:
    """Read a spatial file's first layer into a text table plus a WKB geometry column.

    GDAL reads the whole layer into memory, so its size is checked first from the layer's
    own count of features and fields; a preview reads only the first features.
    """
    try:
        with warnings.catch_warnings():
            # GDAL narrates fixes it makes while reading (duplicate feature ids renumbered);
            # they are not problems with the data civiclab keeps.
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(path, force_feature_count=limits.preview_rows is None)
            features = int(info.get("features") or 0)
            if limits.preview_rows is None:
                limits.check_table(features, len(info.get("fields", [])) + 1)
            meta, table = pyogrio.read_arrow(path, max_features=limits.preview_rows)
    except IngestError:
        raise
    except Exception as exc:  # GDAL reports many kinds of damage
        raise IngestError(
            "The spatial file cannot be read: {detail}.",
            code="unreadable",
            params={"detail": str(exc)},
        ) from None
    geometry_name = meta.get("geometry_name") or "wkb_geometry"
    if geometry_name not in table.column_names:
        raise IngestError("The file has no geometry column.", code="format")
    wkb = table.column(geometry_name).to_numpy(zero_copy_only=False)
    source_crs = meta.get("crs")
    geometries, problems, repaired = _to_wgs84(wkb, source_crs)
    attributes = [c for c in table.column_names if c != geometry_name]
    names = check_header(attributes)
    if GEOMETRY_COLUMN in (n.lower() for n in names):
        raise IngestError(
            "An attribute is named 'geometry', which civiclab keeps for the shapes.", code="header"
        )
    columns = {
        name: _as_text(table.column(original))
        for name, original in zip(names, attributes, strict=True)
    }
    columns[GEOMETRY_COLUMN] = pa.array(shapely.to_wkb(geometries), pa.binary())
    columns[PROBLEM_COLUMN] = pa.array(problems, pa.string())
    if table.num_rows == 0:
        raise IngestError("The layer has no features.", code="empty")
    name = "__source_geo"
    return RawSource(
        format=fmt,
        from_sql=name,
        columns=[*names, GEOMETRY_COLUMN],
        known={GEOMETRY_COLUMN: ColumnSpec(GEOMETRY_COLUMN, GEOMETRY_COLUMN, ColumnType.GEOMETRY)},
        problem_column=PROBLEM_COLUMN,
        tables={name: pa.table(columns)},
        details={
            "source_crs": CRS.from_user_input(source_crs).to_string()
            if source_crs
            else "none given: longitudes and latitudes (EPSG:4326) assumed",
            "repaired_geometries": repaired,
            "geometry_type": meta.get("geometry_type"),
            "geometry_column": GEOMETRY_COLUMN,
            "layer": meta.get("layer_name"),
        },
    )


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_floating(column.type):
        # 12.0 reads back as "12", as the file's author wrote it in most tools.
        # Only finite values a float holds exactly as an integer (|x| ≤ 2^53) can be one.
        exact = pc.and_(pc.is_finite(column), pc.less_equal(pc.abs(column), 2.0**53))
        as_int = pc.cast(pc.if_else(exact, column, 0.0), pa.int64(), safe=False)
        integral = pc.and_(exact, pc.equal(pc.cast(as_int, column.type), column))
        return pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
    return pc.cast(column, pa.string())


def _to_wgs84(wkb: np.ndarray, source_crs: str | None) -> tuple[np.ndarray, list[str | None], int]:
    """Parse, reproject to EPSG:4326 and check every geometry; a reason where one is bad, and
    how many invalid shapes were repaired."""
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    if source_crs is None:
        _check_degrees(geometries)
    crs = CRS.from_user_input(source_crs) if source_crs else CRS.from_epsg(4326)
    if not crs.equals(CRS.from_epsg(4326)):
        transformer = Transformer.from_crs(crs, 4326, always_xy=True)

        def project(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        geometries = shapely.transform(geometries, project)
    missing = shapely.is_missing(geometries)
    empty = ~missing & shapely.is_empty(geometries)
    geometries, repaired = _repair(geometries, ~missing & ~empty)
    valid = shapely.is_valid(geometries)
    problems: list[str | None] = []
    for i, geometry in enumerate(geometries):
        if missing[i]:
            problems.append(problem_text(english("no geometry, or one that cannot be parsed")))
        elif empty[i]:
            problems.append(problem_text(english("empty geometry")))
        elif not valid[i]:
            reason = shapely.is_valid_reason(geometry)  # GEOS's words, with a point
            problems.append(problem_text(english("invalid geometry: {detail}"), {"detail": reason}))
        else:
            problems.append(None)
    return geometries, problems, repaired


def _repair(geometries: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, int]:
    """Repair invalid shapes where it is safe: ``make_valid`` gives a valid, non-empty shape of
    the same dimension (a self-crossing ring becomes two polygons; a polygon collapsing into a
    line is not "repaired" but reported)."""
    invalid = np.flatnonzero(present & ~shapely.is_valid(geometries))
    if not len(invalid):
        return geometries, 0
    fixed = shapely.make_valid(geometries[invalid])
    same = (
        shapely.is_valid(fixed)
        & ~shapely.is_empty(fixed)
        & (shapely.get_dimensions(fixed) == shapely.get_dimensions(geometries[invalid]))
    )
    repaired = geometries.copy()
    repaired[invalid[same]] = fixed[same]
    return repaired, int(same.sum())


def _check_degrees(geometries: np.ndarray) -> None:
    """A file without a coordinate reference system is read as longitudes and latitudes only
    if its coordinates can be; otherwise it is refused, not placed somewhere wrong."""
    present = geometries[~shapely.is_missing(geometries)]
    if not len(present):
        return
    west, south, east, north = shapely.total_bounds(present)
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise IngestError(
            "The file gives no coordinate reference system and its coordinates are not "
            "longitudes and latitudes (they reach {x}, {y}): export it with its projection "
            "(.prj).",
            code="crs",
            params={"x": round(max(abs(west), abs(east))), "y": round(max(abs(south), abs(north)))},
        )
