"""Downloads of a dataset version: CSV (geometries as WKT) and Parquet, without the row flag."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from civiclab.core.csv_cells import safe_batch, safe_cell
from civiclab.datasets.ingest.columns import ColumnSpec, ColumnType, quote_literal
from civiclab.datasets.ingest.pipeline import dataset_relation
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import shapely
else:
    duckdb = lazy_module("duckdb")
    pa = lazy_module("pyarrow")
    pacsv = lazy_module("pyarrow.csv")
    shapely = lazy_module("shapely")

BATCH_ROWS = 100_000


def export_parquet(version_file: Path, target: Path) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"COPY (SELECT * FROM {dataset_relation(version_file)}) "
        f"TO {quote_literal(str(target))} (FORMAT parquet)"
    )


def export_csv(version_file: Path, columns: list[ColumnSpec], target: Path) -> None:
    """Stream the rows to CSV in batches; geometries become WKT text a spreadsheet can show.

    Headers and text cells that would start a spreadsheet formula get a quote in front
    (``core.csv_cells``); typed numbers are written as numbers.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # A relation's reader streams batches; DuckDB 2 has no fetch_record_batch on a cursor.
    reader = con.sql(f"SELECT * FROM {dataset_relation(version_file)}").to_arrow_reader(BATCH_ROWS)
    geometry = {c.name for c in columns if c.type is ColumnType.GEOMETRY}
    writer = None
    try:
        for batch in reader:
            if geometry:
                batch = _with_wkt(batch, geometry)
            batch = safe_batch(batch)
            if writer is None:
                writer = pacsv.CSVWriter(str(target), batch.schema)
            writer.write_batch(batch)
        if writer is None:  # no rows: still a header
            header = ",".join('"{}"'.format(safe_cell(c.name).replace('"', '""')) for c in columns)
            target.write_text(header + "\n", encoding="utf-8")
    finally:
        if writer is not None:
            writer.close()


def _with_wkt(batch: pa.RecordBatch, geometry: set[str]) -> pa.RecordBatch:
    arrays = []
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        if name in geometry:
            shapes = shapely.from_wkb(array.to_numpy(zero_copy_only=False))
            array = pa.array(shapely.to_wkt(shapes, rounding_precision=-1), pa.string())
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
