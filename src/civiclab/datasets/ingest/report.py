"""What went wrong in an import: counts per reason and up to 100 examples."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_EXAMPLES = 100

# A value filling a message template: text, or a number as it should be shown (rounded).
Param = str | int | float


def english(template: str) -> str:
    """Mark an English message template whose translation is looked up where it is shown
    (this package has no Django; like gettext_noop). Every template given to IngestError
    or Problem is a literal or marked so, and tests/datasets/test_messages_french.py finds
    them all and checks each has a French entry."""
    return template


def render(template: str, params: dict[str, Param] | None = None) -> str:
    """The English text of a template: ``{name}`` filled in, whole numbers with thousands
    separators (1,234). A template without parameters is its own text (braces and all)."""
    if not params:
        return template
    return template.format(**{name: english_value(value) for name, value in params.items()})


def english_value(value: Param) -> Param:
    if isinstance(value, bool | str):
        return value
    return f"{value:,}"


def problem_text(template: str, params: dict[str, Param] | None = None) -> str:
    """A row's problem as a source writes it in its problem column (see RawSource): JSON of
    the template and its parameters, read back by ``source_problem``."""
    return json.dumps({"template": template, "params": params or {}}, ensure_ascii=False)


def source_problem(text: str) -> tuple[str, dict[str, Param]]:
    """(template, params) of a source's problem text; plain text is its own template."""
    try:
        found = json.loads(text)
        return str(found["template"]), dict(found["params"])
    except (ValueError, KeyError, TypeError):
        return text, {}


@dataclass(frozen=True)
class Problem:
    """One refused value or row. ``row`` counts data rows from 1 (the header is not a row).
    ``template`` (with ``params``) says why, in English; ``reason`` is its text."""

    template: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Param] = field(default_factory=dict, compare=False, hash=False)

    @property
    def reason(self) -> str:
        return render(self.template, self.params)

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
    # Each reason's template and parameters, so that it can be shown in another language.
    reasons: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, problem: Problem, count: int = 1) -> None:
        self.tally(problem, count)
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def tally(self, problem: Problem, count: int) -> None:
        """Count ``count`` rows refused for the problem's reason (without an example)."""
        self.counts[problem.reason] += count
        self.reasons[problem.reason] = {"template": problem.template, "params": problem.params}

    def as_dict(self) -> dict[str, Any]:
        return {
            "bad_rows": self.bad_rows,
            "counts": dict(self.counts.most_common()),
            "examples": [p.as_dict() for p in self.examples],
            "reasons": self.reasons,
        }

    def summary(self, limit: int = 5) -> str:
        lines = [f"{self.bad_rows} bad row(s):"]
        lines += [f"  {count} × {reason}" for reason, count in self.counts.most_common()]
        lines += [f"  e.g. {p}" for p in self.examples[:limit]]
        return "\n".join(lines)


class IngestError(Exception):
    """The file cannot be imported; nothing was changed. ``report`` lists bad rows if any.

    ``template`` is an English message template filled with ``params`` (see ``render``):
    ``message`` is its English text, for logs, the CLI and English readers; the pages and
    the API translate the template into the reader's language.
    """

    def __init__(
        self,
        template: str,
        report: ImportReport | None = None,
        code: str = "invalid",
        params: dict[str, Param] | None = None,
    ):
        self.template = template
        self.params = dict(params or {})
        self.message = render(template, self.params)
        super().__init__(self.message)
        self.report = report
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "template": self.template,
            "params": self.params,
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
        exc.params = {
            name: hide_paths(value, file_name, locations) if isinstance(value, str) else value
            for name, value in exc.params.items()
        }
        exc.args = (exc.message,)
        raise
