"""Catalogue forms: a catalogue file to import, a fund entered by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.funding.catalogue.applicants import APPLICANT_TYPES
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS
from civiclab.funding.models import Opportunity

ACCEPTED = ".zip,.xml,.json,.csv"


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_(
            "Grants.gov's XML extract (GrantsDBExtract…v2.zip or .xml), a search2 or "
            "fetchOpportunity JSON file, or a Grants.gov listing CSV."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )


class FundForm(forms.ModelForm):  # type: ignore[type-arg]
    """A fund entered by hand; its fields follow Aides-territoires' (funder, who may apply,
    categories, deadline, amounts, cost sharing, link)."""

    applicant_codes = forms.MultipleChoiceField(
        label=_("Who may apply"),
        choices=[(t.code, f"{t.code} — {t.label}") for t in APPLICANT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    activity_categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=list(ACTIVITY_CATEGORIES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    instruments = forms.MultipleChoiceField(
        label=_("Funding instruments"),
        choices=list(INSTRUMENTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "agency_name",
            "funder_type",
            "country",
            "number",
            "description",
            "eligibility_text",
            "applicant_codes",
            "activity_categories",
            "instruments",
            "post_date",
            "close_date",
            "close_date_explanation",
            "award_ceiling",
            "award_floor",
            "total_funding",
            "currency",
            "cost_sharing",
            "url",
        ]
        labels = {
            "agency_name": _("Funder"),
            "number": _("Reference"),
            "post_date": _("Opens"),
            "close_date": _("Deadline"),
        }
        widgets = {
            "post_date": forms.DateInput(attrs={"type": "date"}),
            "close_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "eligibility_text": forms.Textarea(attrs={"rows": 4}),
            "close_date_explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, networks: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_name"].required = True
        if networks is not None and len(networks) > 1:
            self.fields["network"] = forms.ChoiceField(
                label=_("Network"), choices=[(n.pk, n.name) for n in networks]
            )

    def fund_fields(self) -> dict[str, Any]:
        """The cleaned values, as the services take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
