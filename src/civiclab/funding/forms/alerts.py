"""The forms of saved searches: "Save this search" (as the catalogue's form posts its query
and filters), a saved search's settings, following a challenge's matches."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS
from civiclab.funding.models import FUNDER_TYPES
from civiclab.funding.services.alerts import (
    ELIGIBILITY_CHOICES,
    MAX_AMOUNT,
    MAX_CLOSING_WITHIN,
    MAX_FILTER_VALUES,
    NAME_LIMIT,
    QUERY_LIMIT,
    STATUS_CHOICES,
)


class CodeListField(forms.Field):
    """Several free codes posted under one name (``agencies=HHS&agencies=DOT``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v).strip() for v in values if str(v).strip()]

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > MAX_FILTER_VALUES:
            raise forms.ValidationError(_("At most %(most)s values.") % {"most": MAX_FILTER_VALUES})


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    return list(labels.items())


class SaveSearchForm(forms.Form):
    """The catalogue's query and filters, as its form posts them, and a name for them.
    The filter fields carry ``SearchFilters``' names (``q`` is the search text)."""

    name = forms.CharField(label=_("Name this search"), max_length=NAME_LIMIT)
    q = forms.CharField(label=_("Search"), max_length=QUERY_LIMIT, required=False)
    city = forms.SlugField(required=False, widget=forms.HiddenInput)
    eligibility = forms.ChoiceField(
        choices=[(c, c) for c in ELIGIBILITY_CHOICES], required=False, widget=forms.HiddenInput
    )
    status = forms.ChoiceField(
        choices=[(c, c) for c in STATUS_CHOICES], required=False, widget=forms.HiddenInput
    )
    closing_within = forms.IntegerField(
        min_value=1, max_value=MAX_CLOSING_WITHIN, required=False, widget=forms.HiddenInput
    )
    categories = forms.MultipleChoiceField(
        choices=_choices(ACTIVITY_CATEGORIES), required=False, widget=forms.MultipleHiddenInput
    )
    agencies = CodeListField(required=False)
    instruments = forms.MultipleChoiceField(
        choices=_choices(INSTRUMENTS), required=False, widget=forms.MultipleHiddenInput
    )
    funder_types = forms.MultipleChoiceField(
        choices=FUNDER_TYPES, required=False, widget=forms.MultipleHiddenInput
    )
    min_ceiling = forms.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False, widget=forms.HiddenInput
    )
    max_ceiling = forms.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False, widget=forms.HiddenInput
    )
    cost_sharing = forms.NullBooleanField(required=False, widget=forms.HiddenInput)

    FILTERS = (
        "eligibility",
        "status",
        "closing_within",
        "categories",
        "agencies",
        "instruments",
        "funder_types",
        "min_ceiling",
        "max_ceiling",
        "cost_sharing",
    )

    def filters(self) -> dict[str, Any]:
        """The filters posted (those left empty are the defaults)."""
        data = self.cleaned_data
        return {key: data[key] for key in self.FILTERS if data.get(key) not in (None, "", [])}


class SearchSettingsForm(forms.Form):
    """A saved search's alerts and email, as the saved searches page posts them."""

    alerts = forms.BooleanField(label=_("Alerts"), required=False)
    email = forms.BooleanField(label=_("By email too"), required=False)


class FollowChallengeForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_LIMIT,
        required=False,
        help_text=_("Leave empty to use the challenge's title."),
    )
