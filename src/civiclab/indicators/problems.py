"""A spec's problems in the reader's language (the pure modules write them in English)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from civiclab.datasets.filters.language import SpecError


def translated_problems(exc: SpecError) -> list[tuple[str, str]]:
    """A spec's problems as (path, message) in the reader's language: each problem's English
    template is looked up in the catalogue and filled in (numbers written the reader's way);
    a template without a translation reads as it is."""
    problems = []
    for problem in exc.details:
        if not problem.params:
            problems.append((problem.path, _(problem.template)))
            continue
        shown = {
            name: formats.number_format(value, use_l10n=True, force_grouping=True)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in problem.params.items()
        }
        problems.append((problem.path, _(problem.template).format(**shown)))
    return problems
