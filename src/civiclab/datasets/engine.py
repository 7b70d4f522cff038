"""Read-only SQL over one city's datasets, with DuckDB sandboxed to their files.

Every feature (indicators, maps, spatial analyses, the dataset page) queries city data through
:class:`CityQuery`, opened only by ``datasets.queries.open_query`` — the one door, which gives
it the operator's limits (``CIVICLAB_QUERY_MEMORY_MB``, ``CIVICLAB_QUERY_TIMEOUT_SECONDS``).
The connection sees the city's datasets as views (and datasets other
cities share with it, in a schema named after that city); it cannot read or write any other
file, reach the network, load extensions or change these settings; statements other than
SELECT are refused; a query that needs more memory than its limit, or runs longer than its
timeout, is stopped with a :class:`QueryError` that says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from civiclab.core.errors import DomainError
from civiclab.datasets.ingest.columns import quote_ident, quote_literal
from civiclab.datasets.ingest.pipeline import dataset_relation
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
else:
    duckdb = lazy_module("duckdb")
    pa = lazy_module("pyarrow")

T = TypeVar("T")


class QueryError(DomainError):
    """A query was refused, failed, needed too much memory or took too long; the message says
    which. An API route that does not answer it itself answers 422 ``query_error``."""

    status = 422
    code = "query_error"


@dataclass(frozen=True)
class TableFile:
    """A dataset version offered to queries as ``schema.name`` (schema None: the city's own)."""

    name: str
    path: Path
    schema: str | None = None


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


class CityQuery:
    """A sandboxed DuckDB connection over ``tables``; its limits have no default, so whoever
    opens one says them (in the app: ``datasets.queries.open_query``, the operator's)."""

    def __init__(
        self,
        tables: list[TableFile],
        *,
        memory_mb: int,
        timeout_seconds: float,
        threads: int = 2,
    ) -> None:
        self.memory_mb = memory_mb
        self.timeout_seconds = timeout_seconds
        self.con = duckdb.connect(":memory:")
        con = self.con
        con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET TimeZone = 'UTC'")
        for schema in sorted({t.schema for t in tables if t.schema}):
            con.execute(f"CREATE SCHEMA {quote_ident(schema)}")
        for table in tables:
            qualified = (
                f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
                if table.schema
                else quote_ident(table.name)
            )
            con.execute(f"CREATE VIEW {qualified} AS SELECT * FROM {dataset_relation(table.path)}")
        directories = sorted({str(t.path.parent) + "/" for t in tables})
        allowed = "[" + ", ".join(quote_literal(d) for d in directories) + "]"
        con.execute(f"SET allowed_directories = {allowed}")
        con.execute("SET enable_external_access = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET lock_configuration = true")

    def execute(
        self, sql: str, params: list[Any] | None = None, limit: int | None = None
    ) -> QueryResult:
        """Run one SELECT; refuse anything else. ``limit`` caps the rows fetched."""

        def fetch() -> QueryResult:
            cursor = self.con.execute(sql, params or [])
            rows = cursor.fetchmany(limit) if limit is not None else cursor.fetchall()
            return QueryResult(columns=[d[0] for d in cursor.description], rows=rows)

        return self._guarded(sql, fetch)

    def execute_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT into an Arrow table: columns, not a million Python tuples."""
        return self._guarded(sql, lambda: self.con.sql(sql, params=params or None).to_arrow_table())

    def _guarded(self, sql: str, run: Callable[[], T]) -> T:
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(f"The query cannot be parsed: {_first_line(exc)}") from None
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise QueryError("Only a single SELECT statement may be run on city data.")
        timer = threading.Timer(self.timeout_seconds, self.con.interrupt)
        timer.start()
        try:
            return run()
        except duckdb.InterruptException:
            raise QueryError(
                f"The query took longer than {self.timeout_seconds:g} s and was stopped."
            ) from None
        except duckdb.OutOfMemoryException:
            raise QueryError(
                f"The query needed more than the {self.memory_mb:g} MB of memory a query may "
                "use and was stopped."
            ) from None
        except duckdb.Error as exc:
            raise QueryError(f"The query failed: {_first_line(exc)}") from None
        finally:
            timer.cancel()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> CityQuery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
