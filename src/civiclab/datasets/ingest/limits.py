"""How much one import may unpack, hold and take: checked before reading, and while reading.

A small upload can stand for a huge amount of work: an Excel workbook is a zip whose sheet
can inflate 200-fold, a Shapefile arrives zipped, and any file can hold more rows than the
server can convert in reasonable time. Every reader checks the same limits, so no format is
the way around them.
"""

from __future__ import annotations

import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from civiclab.datasets.ingest.report import IngestError
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy_module("duckdb")

# Members smaller than this are not checked for their ratio: small XML parts (styles,
# shared settings) compress very well and cannot make a bomb on their own.
RATIO_CHECKED_FROM_BYTES = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """The limits of one import or preview (see docs/configuration.md for the settings).

    ``preview_rows``: read only the first rows, where the format allows it (a preview).
    ``expires_at``: the ``time.monotonic()`` at which the work is stopped (see ``started``).
    """

    max_unpacked_bytes: int = 2048 << 20
    max_zip_ratio: int = 100
    max_rows: int = 100_000_000
    max_cells: int = 1_000_000_000
    timeout_seconds: float = 3600
    preview_rows: int | None = None
    expires_at: float | None = None

    def started(self) -> ReadLimits:
        """These limits with the clock started now."""
        return replace(self, expires_at=time.monotonic() + self.timeout_seconds)

    def check_time(self) -> None:
        """Raise when the time is up (readers call it every few thousand rows)."""
        if self.expires_at is not None and time.monotonic() > self.expires_at:
            raise self.timeout_error()

    def timeout_error(self) -> IngestError:
        return IngestError(
            "Reading the file took longer than {seconds} seconds, the limit for one import: "
            "nothing was imported. Split the file, or ask the administrator about "
            "CIVICLAB_IMPORT_TIMEOUT_SECONDS.",
            code="timeout",
            params={"seconds": round(self.timeout_seconds)},
        )

    def check_table(self, rows: int, columns: int) -> None:
        """Refuse a table with more rows or cells (rows × columns) than allowed."""
        if rows > self.max_rows:
            raise IngestError(
                "The file has more than {limit} rows, the most one import may hold "
                "(CIVICLAB_MAX_IMPORT_ROWS): nothing was imported. Split the file.",
                code="too_many_rows",
                params={"limit": self.max_rows},
            )
        if rows * columns > self.max_cells:
            raise IngestError(
                "The file has more than {limit} values ({rows} rows × {columns} columns), the "
                "most one import may hold (CIVICLAB_MAX_IMPORT_CELLS): nothing was imported. "
                "Split the file or leave out columns.",
                code="too_many_cells",
                params={"limit": self.max_cells, "rows": rows, "columns": columns},
            )

    def check_zip(self, members: Iterable[zipfile.ZipInfo]) -> None:
        """Refuse a zip (an Excel workbook, a zipped Shapefile) whose ``members`` would
        unpack to more than allowed, or one of which inflates suspiciously, from the sizes its
        directory declares — before anything is inflated.

        The declared sizes can be trusted as a ceiling: Python's zipfile stops reading a member
        at its declared size (and fails its checksum if the data goes on).
        """
        members = list(members)
        unpacked = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if unpacked > self.max_unpacked_bytes:
            raise IngestError(
                "The file would unpack to {unpacked} MB from {packed} MB, over the {limit} "
                "MB limit (CIVICLAB_MAX_UNPACKED_MB): refused as a possible zip bomb.",
                code="zip_bomb",
                params={
                    "unpacked": round(unpacked / 2**20),
                    "packed": round(packed / 2**20, 1),
                    "limit": round(self.max_unpacked_bytes / 2**20),
                },
            )
        for member in members:
            ratio = member.file_size / max(1, member.compress_size)
            if member.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > self.max_zip_ratio:
                raise IngestError(
                    "{member} in the file would unpack to {unpacked} bytes from {packed} "
                    "({ratio}×, more than {limit}×, CIVICLAB_MAX_ZIP_RATIO): refused as a "
                    "possible zip bomb.",
                    code="zip_bomb",
                    params={
                        "member": member.filename,
                        "unpacked": member.file_size,
                        "packed": member.compress_size,
                        "ratio": round(ratio),
                        "limit": self.max_zip_ratio,
                    },
                )

    @contextmanager
    def watch(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """Interrupt ``con``'s running query when the time is up, and say so."""
        if self.expires_at is None:
            yield
            return
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            con.interrupt()

        timer = threading.Timer(max(0.0, self.expires_at - time.monotonic()), stop)
        timer.daemon = True
        timer.start()
        try:
            yield
        except (duckdb.Error, IngestError) as exc:
            if expired.is_set():
                raise self.timeout_error() from exc
            raise
        finally:
            timer.cancel()
