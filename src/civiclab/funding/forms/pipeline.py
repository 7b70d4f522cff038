"""pipeline forms: a city's funding profile, an application, a status change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Visibility
from civiclab.funding.catalogue.applicants import APPLICANT_TYPES, READ_THE_TEXT
from civiclab.funding.models import APPLICATION_STATUSES, TEXT_LIMIT
from civiclab.funding.services.pipeline import MAX_PARTNERS, PARTNER_NAME_LIMIT
from civiclab.portfolio.forms.challenges import visibility_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_FIELD: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "required": False,
    "validators": [MinValueValidator(Decimal(0))],
}


def applicant_choices() -> list[tuple[str, str]]:
    from civiclab.funding.labels import applicant_label

    return [
        (t.code, f"{t.code} — {applicant_label(t.code)}")
        for t in APPLICANT_TYPES
        if t.code not in READ_THE_TEXT
    ]


class ProfileForm(forms.Form):
    """How the city applies: its own types, and partners one per line ("name | code")."""

    applicant_codes = forms.MultipleChoiceField(
        label=_("The city applies as"), widget=forms.CheckboxSelectMultiple
    )
    partners = forms.CharField(
        label=_("Partners"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_PARTNERS * (PARTNER_NAME_LIMIT + 10),
        help_text=_(
            "One per line: the partner's name, a bar, its applicant type (e.g. "
            "Land Bank Authority | 12)."
        ),
    )
    registration_expires = forms.DateField(
        label=_("SAM.gov registration expires"), required=False, widget=DATE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applicant_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = applicant_choices()

    def clean_partners(self) -> list[dict[str, str]]:
        partners = []
        for number, line in enumerate(self.cleaned_data["partners"].splitlines(), start=1):
            if not line.strip():
                continue
            name, bar, code = line.rpartition("|")
            if not bar:
                raise forms.ValidationError(
                    _("Line %(n)d: write the name, a bar and the type (Land Bank | 12)."),
                    params={"n": number},
                )
            partners.append({"name": name.strip(), "code": code.strip()})
        return partners

    @staticmethod
    def partners_text(partners: list[dict[str, str]]) -> str:
        return "\n".join(f"{p['name']} | {p['code']}" for p in partners)


class ApplicationForm(forms.Form):
    """Start or edit an application: the choices are the city's, those the person may see."""

    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    funder = forms.CharField(
        label=_("Funder"),
        max_length=300,
        required=False,
        help_text=_("When the fund is not in the catalogue"),
    )
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Owner"), queryset=None, required=False
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False
    )
    visibility = forms.ChoiceField(label=_("Visible to"))
    challenge: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Challenge"), queryset=None, required=False
    )
    solution: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Solution"), queryset=None, required=False
    )
    milestones: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Milestones of the solution"), queryset=None, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    amount_requested = forms.DecimalField(label=_("Amount requested"), **MONEY_FIELD)
    amount_awarded = forms.DecimalField(label=_("Amount awarded"), **MONEY_FIELD)
    match_amount = forms.DecimalField(label=_("Match funds"), **MONEY_FIELD)
    match_source = forms.CharField(label=_("Source of the match"), max_length=300, required=False)
    currency = forms.RegexField(
        label=_("Currency"), regex=r"^[A-Z]{3}$", initial="USD", max_length=3
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(
        self,
        *args: Any,
        owners: QuerySet[Any],
        teams: QuerySet[Any],
        challenges: QuerySet[Any],
        solutions: QuerySet[Any],
        milestones: QuerySet[Any],
        widest: Visibility,
        current_visibility: str | None = None,
        awarded: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("owner", owners),
            ("team", teams),
            ("challenge", challenges),
            ("solution", solutions),
            ("milestones", milestones),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = visibility_choices(widest, current_visibility)
        if not awarded:
            # The award is recorded with the status change; edited here once it exists.
            del self.fields["amount_awarded"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=APPLICATION_STATUSES)
    on = forms.DateField(label=_("On"), required=False, widget=DATE)
    amount_awarded = forms.DecimalField(label=_("Amount awarded"), **MONEY_FIELD)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
