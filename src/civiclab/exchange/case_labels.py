"""Case studies' facets, sections and reasons in the reader's language (pages and library)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from civiclab.exchange.models.cases import LANGUAGES, SIZE_BANDS

SECTION_LABELS = {
    "title": _("Title"),
    "problem": _("The problem"),
    "approach": _("The approach"),
    "lessons": _("Lessons"),
}
FACET_LABELS = {
    "priority_area": _("Priority area"),
    "size_band": _("City size"),
    "country": _("Country"),
    "region": _("Region"),
    "strength": _("Evidence strength"),
    "stage": _("Stage"),
    "funding_source": _("Funding source"),
    "language": _("Language"),
}
WITHHELD_REASONS = {
    "narrower": _("shared only within the city: left out of a case shared more widely"),
    "no_consent": _("no consent to share was recorded"),
    "failed": _("its series could not be computed"),
}
NONE_LABELS = {
    "strength": _("Not evaluated yet"),
    "funding_source": _("No funding recorded"),
}


def _choices() -> dict[str, dict[str, Any]]:
    from civiclab.evaluation.models import STRENGTH_CHOICES
    from civiclab.funding.models import FUNDER_TYPES
    from civiclab.portfolio.models import PRIORITY_AREAS, SOLUTION_STAGES

    return {
        "priority_area": dict(PRIORITY_AREAS),
        "size_band": dict(SIZE_BANDS),
        "strength": dict(STRENGTH_CHOICES),
        "stage": dict(SOLUTION_STAGES),
        "funding_source": dict(FUNDER_TYPES),
        "language": dict(LANGUAGES),
    }


def value_label(facet: str, value: str) -> str:
    """A facet's value in words (the value itself for free ones: a country, a region)."""
    if value == "none" and facet in NONE_LABELS:
        return str(NONE_LABELS[facet])
    return str(_choices().get(facet, {}).get(value, value))


def facet_rows(case: Any) -> list[tuple[str, str]]:
    """The case's facets as (label, value) rows."""
    rows = []
    for facet in ("priority_area", "size_band", "country", "region", "strength", "stage",
                  "funding_source"):  # fmt: skip
        value = getattr(case, facet)
        if value:
            rows.append((str(FACET_LABELS[facet]), value_label(facet, value)))
    rows.append(
        (
            str(FACET_LABELS["language"]),
            ", ".join(value_label("language", v) for v in case.languages),
        )
    )
    return rows
