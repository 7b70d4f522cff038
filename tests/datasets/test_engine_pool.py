"""The sandboxed DuckDB connections are pooled per process (datasets/engine.py): a reader of
the same files with the same limits gets an idle one back, never one of other files, nor one
whose query failed or was stopped."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from civiclab.datasets.engine import _POOL, CityQuery, QueryError, TableFile
from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN


@pytest.fixture(autouse=True)
def _empty_pool() -> None:
    _POOL.clear()


def parquet(path: Path, values: list[int]) -> Path:
    rows = ", ".join(f"({v}, false)" for v in values)
    con = duckdb.connect()
    table = f"(SELECT * FROM (VALUES {rows}) AS t(n, {REFUSED_COLUMN}))"
    con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def opened(path: Path, memory_mb: int = 256) -> CityQuery:
    return CityQuery([TableFile("data", path)], memory_mb=memory_mb, timeout_seconds=30)


def total(query: CityQuery) -> int:
    return int(query.execute("SELECT sum(n) FROM data").rows[0][0])


def test_a_connection_is_reused_for_the_same_files_only(tmp_path: Path) -> None:
    """GIVEN a query closed over one file WHEN the same file is opened again THEN the same
    connection comes back; WHEN another file, or other limits, THEN a new one."""
    one, two = parquet(tmp_path / "one.parquet", [1, 2]), parquet(tmp_path / "two.parquet", [5])
    with opened(one) as first:
        assert total(first) == 3
        connection = first.con
    with opened(one) as again:
        assert again.con is connection and total(again) == 3
    with opened(two) as other:
        assert other.con is not connection and total(other) == 5
    with opened(one, memory_mb=128) as smaller:
        assert smaller.con is not connection


def test_a_file_written_again_at_the_same_path_gets_a_new_connection(tmp_path: Path) -> None:
    """GIVEN a pooled connection over a file WHEN the file is replaced by another one with
    other rows at the same path THEN the next reader sees the new file's rows."""
    path = parquet(tmp_path / "v1.parquet", [1, 2])
    with opened(path) as first:
        assert total(first) == 3
    replacement = parquet(tmp_path / "new.parquet", [10, 20, 30])
    os.replace(replacement, path)
    with opened(path) as second:
        assert total(second) == 60


def test_a_connection_whose_query_failed_is_not_given_back(tmp_path: Path) -> None:
    """GIVEN a query that fails WHEN its connection is closed THEN it is not pooled: the
    next reader of the same file gets a fresh one, and it still refuses all but SELECT."""
    path = parquet(tmp_path / "d.parquet", [1])
    with opened(path) as failing:
        with pytest.raises(QueryError):
            failing.execute("SELECT no_such_column FROM data")
        broken = failing.con
    with opened(path) as fresh:
        assert fresh.con is not broken
        with pytest.raises(QueryError, match="single SELECT"):
            fresh.execute("CREATE TABLE x AS SELECT 1")
        with pytest.raises(QueryError):
            fresh.execute("SELECT * FROM read_csv('/etc/passwd')")
