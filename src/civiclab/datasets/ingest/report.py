"""What went wrong in an import: counts per reason and up to 100 examples."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
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
