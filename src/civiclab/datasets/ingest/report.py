"""What went wrong in an import: counts per reason and up to 100 examples."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_EXAMPLES = 100


@dataclass(frozen=True)
class Problem:
    """One refused value or row. ``row`` counts data rows from 1 (the header is not a row)."""

    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column!r}" if self.column else "",
            )
            if part
        )
        value = f" {self.value!r}" if self.value is not None else ""
        return f"{where}:{value} {self.reason}" if where else f"{self.reason}{value}"


@dataclass
class ImportReport:
    """Bad rows found; ``counts`` is per reason, ``examples`` the first few problems."""

    bad_rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem, count: int = 1) -> None:
        self.counts[problem.reason] += count
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bad_rows": self.bad_rows,
            "counts": dict(self.counts.most_common()),
            "examples": [p.as_dict() for p in self.examples],
        }

    def summary(self, limit: int = 5) -> str:
        lines = [f"{self.bad_rows} bad row(s):"]
        lines += [f"  {count} × {reason}" for reason, count in self.counts.most_common()]
        lines += [f"  e.g. {p}" for p in self.examples[:limit]]
        return "\n".join(lines)


class IngestError(Exception):
    """The file cannot be imported; nothing was changed. ``report`` lists bad rows if any."""

    def __init__(self, message: str, report: ImportReport | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.report = report
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "report": self.report.as_dict() if self.report else None,
        }


# An absolute path as engines quote it: a slash at the start or after a space, quote or
# parenthesis, then at least two path components ("1/2" or "and/or" are not paths).
_ABSOLUTE_PATH = re.compile(r"""(?<![\w.])/(?:[^\s'"(),;:/]+/)+[^\s'"(),;:]*[^\s'"(),;:.]""")


def hide_paths(text: str, file_name: str, locations: Iterable[Path]) -> str:
    """``text`` with server paths replaced: the uploaded file and anything under the
    ``locations`` (its staging folder, where a zip was unpacked) become ``file_name``; any
    other absolute path becomes its last component.

    GDAL, DuckDB and openpyxl quote the paths they were given, which are server folders
    (the data directory, a staging folder) that users must not see and cannot act on.
    """
    roots = sorted((str(p) for p in locations), key=len, reverse=True)

    def shown(match: re.Match[str]) -> str:
        path = match.group(0)
        if any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots):
            return file_name
        return path.rstrip("/").rsplit("/", 1)[-1]

    return _ABSOLUTE_PATH.sub(shown, text)


@contextmanager
def errors_name_the_file(file_name: str, locations: Iterable[Path]) -> Iterator[None]:
    """Re-raise an IngestError raised inside with its server paths hidden (see hide_paths)."""
    try:
        yield
    except IngestError as exc:
        exc.message = hide_paths(exc.message, file_name, locations)
        exc.args = (exc.message,)
        raise
