"""The key facts' filters, read from a page's query string (the API reads the same fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.portfolio.models import PRIORITY_AREAS
from civiclab.reports.queries.keyfacts import (
    FACT_LABELS,
    FACTS,
    GROUP_LABELS,
    GROUPS,
    NONE_KEY,
    YEAR_MAX,
    YEAR_MIN,
    Filters,
)

COHORT_MAX = 2**63 - 1


class KeyFactsForm(forms.Form):
    """``group`` and the filters; ``fact`` too on a number's list."""

    group = forms.ChoiceField(
        label=_("Group by"), choices=[(g, GROUP_LABELS[g]) for g in GROUPS], required=False
    )
    fact = forms.ChoiceField(
        label=_("Fact"), choices=[(f, FACT_LABELS[f]) for f in FACTS], required=False
    )
    network = forms.SlugField(label=_("Network"), required=False, max_length=50)
    city = forms.SlugField(label=_("City"), required=False, max_length=50)
    cohort = forms.IntegerField(
        label=_("Cohort"), required=False, min_value=1, max_value=COHORT_MAX
    )
    priority = forms.ChoiceField(
        label=_("Priority area"),
        choices=[("", _("Any")), *PRIORITY_AREAS, (NONE_KEY, _("Not shown"))],
        required=False,
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=0,
        max_value=YEAR_MAX,
        help_text=_("0: no known year"),
    )

    def clean_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("year")
        if year not in (None, 0) and year < YEAR_MIN:  # type: ignore[operator]
            raise forms.ValidationError(
                _("A year from %(min)s to %(max)s (or 0: no known year).")
                % {"min": YEAR_MIN, "max": YEAR_MAX}
            )
        return year

    def filters(self) -> Filters:
        data: dict[str, Any] = self.cleaned_data
        return Filters(
            network=data.get("network") or "",
            city=data.get("city") or "",
            cohort=data.get("cohort"),
            priority=data.get("priority") or "",
            year=data.get("year"),
        )

    def grouping(self) -> str:
        return str(self.cleaned_data.get("group") or "city")
