"""search forms: the catalogue's search and filters, a dismissal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS
from civiclab.funding.models import DISMISS_REASONS, FUNDER_TYPES
from civiclab.funding.search import (
    CLOSING_LIMIT,
    OFFSET_LIMIT,
    PAGE_LIMIT,
    QUERY_LIMIT,
    SearchFilters,
)

ELIGIBILITY = [
    ("for_my_city", _("For my city (eligible or possibly)")),
    ("eligible", _("Eligible only")),
    ("all", _("All")),
]
STATUSES = [
    ("", _("Open or forecast")),
    ("open", _("Open now")),
    ("closing", _("Closing soon")),
    ("forecast", _("Forecast")),
    ("closed", _("Closed")),
    ("any", _("Any")),
]
COST_SHARING = [("", _("Either")), ("no", _("No match required")), ("yes", _("Match required"))]


class CatalogueForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=QUERY_LIMIT)
    eligibility = forms.ChoiceField(label=_("Eligibility"), choices=ELIGIBILITY, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    closing_within = forms.IntegerField(
        label=_("Closing within (days)"), required=False, min_value=0, max_value=CLOSING_LIMIT
    )
    category = forms.MultipleChoiceField(
        label=_("Category"),
        required=False,
        choices=[(k, _(v)) for k, v in ACTIVITY_CATEGORIES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    agency = forms.CharField(label=_("Agency code"), required=False, max_length=100)
    instrument = forms.MultipleChoiceField(
        label=_("Instrument"),
        required=False,
        choices=[(k, _(v)) for k, v in INSTRUMENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    funder_type = forms.MultipleChoiceField(
        label=_("Funder"), required=False, choices=FUNDER_TYPES, widget=forms.CheckboxSelectMultiple
    )
    min_ceiling = forms.IntegerField(
        label=_("Award ceiling at least"), required=False, min_value=0, max_value=10**15
    )
    max_ceiling = forms.IntegerField(
        label=_("Award ceiling at most"), required=False, min_value=0, max_value=10**15
    )
    cost_sharing = forms.ChoiceField(label=_("Cost sharing"), choices=COST_SHARING, required=False)
    offset = forms.IntegerField(required=False, min_value=0, max_value=OFFSET_LIMIT)

    def filters(self, default_eligibility: str) -> SearchFilters:
        data: dict[str, Any] = self.cleaned_data
        return SearchFilters(
            eligibility=data.get("eligibility") or default_eligibility,
            status=data.get("status") or "",
            closing_within=data.get("closing_within"),
            categories=list(data.get("category") or []),
            agencies=[data["agency"].strip().upper()] if data.get("agency") else [],
            instruments=list(data.get("instrument") or []),
            funder_types=list(data.get("funder_type") or []),
            min_ceiling=data.get("min_ceiling"),
            max_ceiling=data.get("max_ceiling"),
            cost_sharing={"yes": True, "no": False}.get(data.get("cost_sharing") or ""),
        )


PAGE_SIZE = min(25, PAGE_LIMIT)


class DismissalForm(forms.Form):
    opportunity = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Why"), choices=DISMISS_REASONS)
    note = forms.CharField(label=_("Note"), required=False, max_length=2_000)
