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

import os
import threading
from collections import OrderedDict
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
        self._key = _pool_key(tables, memory_mb, threads)
        self._reusable = self._key is not None
        pooled = _POOL.take(self._key) if self._key is not None else None
        self.con = pooled if pooled is not None else _sandboxed(tables, memory_mb, threads)

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
        timer = threading.Timer(self.timeout_seconds, self._interrupt)
        timer.start()
        try:
            return run()
        except duckdb.InterruptException:
            self._reusable = False
            raise QueryError(
                f"The query took longer than {self.timeout_seconds:g} s and was stopped."
            ) from None
        except duckdb.OutOfMemoryException:
            self._reusable = False
            raise QueryError(
                f"The query needed more than the {self.memory_mb:g} MB of memory a query may "
                "use and was stopped."
            ) from None
        except duckdb.Error as exc:
            self._reusable = False
            raise QueryError(f"The query failed: {_first_line(exc)}") from None
        finally:
            timer.cancel()

    def _interrupt(self) -> None:
        # An interrupted connection is not given back: the interruption might land on the
        # next reader's query.
        self._reusable = False
        self.con.interrupt()

    def close(self) -> None:
        """Give the connection back to this process's pool (a connection a query failed or
        was stopped on is closed instead: nothing of it is kept)."""
        if self._reusable and self._key is not None and _POOL.give(self._key, self.con):
            return
        self.con.close()

    def __enter__(self) -> CityQuery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sandboxed(tables: list[TableFile], memory_mb: int, threads: int) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB over ``tables`` as views, with its limits set and locked and no
    access to any other file, the network or extensions."""
    con = duckdb.connect(":memory:")
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
    return con


PoolKey = tuple[Any, ...]


def _pool_key(tables: list[TableFile], memory_mb: int, threads: int) -> PoolKey | None:
    """What a pooled connection must have been opened over to serve these tables: each
    table's name, schema, path and the file's identity (device, inode, size, modification
    time — a file written again at the same path is another file), and the limits. None
    when a file cannot be read (the query will say so)."""
    parts: list[Any] = [int(memory_mb), int(threads)]
    for table in sorted(tables, key=lambda t: (t.schema or "", t.name)):
        try:
            found = table.path.stat()
        except OSError:
            return None
        parts.append(
            (table.schema, table.name, str(table.path), found.st_dev, found.st_ino,
             found.st_size, found.st_mtime_ns)
        )  # fmt: skip
    return tuple(parts)


class _ConnectionPool:
    """This process's idle sandboxed connections, by what they were opened over.

    Opening DuckDB costs ~15 ms (a new database instance), more than most of the queries a
    page runs on it; a page that reads a dataset would pay it every time. A connection is
    only ever used by the one ``CityQuery`` that took it, and it can do nothing but SELECT
    over the views it was opened with (its configuration is locked), so handing it to the
    next reader of the same files with the same limits shares nothing but those files. At
    most ``size`` idle connections are kept, the least recently used closed first; a forked
    process (a gunicorn worker) starts with none of its parent's."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.idle: OrderedDict[PoolKey, list[duckdb.DuckDBPyConnection]] = OrderedDict()
        self.pid = os.getpid()

    def _same_process(self) -> None:
        if self.pid != os.getpid():  # forked: the parent's connections are not ours to use
            self.idle = OrderedDict()
            self.pid = os.getpid()

    def take(self, key: PoolKey) -> duckdb.DuckDBPyConnection | None:
        with self.lock:
            self._same_process()
            found = self.idle.get(key)
            if not found:
                return None
            con = found.pop()
            if not found:
                del self.idle[key]
            return con

    def give(self, key: PoolKey, con: duckdb.DuckDBPyConnection) -> bool:
        """Keep ``con`` for the next reader (False: the pool is off; the caller closes it)."""
        if self.size <= 0:
            return False
        evicted = []
        with self.lock:
            self._same_process()
            self.idle.setdefault(key, []).append(con)
            self.idle.move_to_end(key)
            while sum(len(v) for v in self.idle.values()) > self.size:
                _key, oldest = next(iter(self.idle.items()))
                evicted.append(oldest.pop(0))
                if not oldest:
                    del self.idle[_key]
        for old in evicted:
            old.close()
        return True

    def clear(self) -> None:
        """Close every idle connection (tests; a process that is about to stop)."""
        with self.lock:
            idle, self.idle = self.idle, OrderedDict()
        for connections in idle.values():
            for con in connections:
                con.close()


# Idle connections kept per process: a page reads one or two datasets, and a worker serves
# a few cities' pages; each idle connection holds a few MB.
POOL_SIZE = 8
_POOL = _ConnectionPool(POOL_SIZE)


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
