"""``civiclab reports brief --solution ID --pdf FILE [--language en|fr] [--json]``.

Renders a public solution's results brief (goal, chart, result, cost and funding, lessons) as
a tagged, accessible PDF (PDF/UA-1) — the same document the public page hands out, from the
same public data only: a solution that is not public has no brief.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from civiclab.core.api import DB_INT_MAX


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(name, help="render a public solution's results brief as a PDF")
    parser.add_argument("--solution", type=int, required=True, help="the solution's id")
    parser.add_argument("--pdf", required=True, metavar="FILE", help="where to write the PDF")
    parser.add_argument(
        "--language", choices=("en", "fr"), default=None, help="default: the city's language"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.reports.queries.public import LANGUAGES, public_solutions
    from civiclab.reports.services.public import render_brief_pdf

    solution_id = options["solution"]
    solution = (
        public_solutions().filter(pk=solution_id).first() if 0 < solution_id <= DB_INT_MAX else None
    )
    if solution is None:
        raise CommandError(f"No public solution with the id {solution_id}.")
    language = options.get("language") or solution.city.default_language
    if language not in LANGUAGES:
        language = "en"
    pdf = render_brief_pdf(solution, language)
    target = Path(options["pdf"])
    try:
        target.write_bytes(pdf)
    except OSError as exc:
        raise CommandError(f"Cannot write {target}: {exc.strerror}.") from exc
    result = {"solution": solution.pk, "language": language, "file": str(target), "bytes": len(pdf)}
    return (
        result,
        f"Results brief of {solution.title!r} ({language}): {target} ({len(pdf):,} bytes)",
    )
