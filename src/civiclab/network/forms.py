from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civiclab.audit.labels import KINDS, VERBS
from civiclab.network.models import ROLE_CHOICES, City, Team

CITY_ROLE_CHOICES = [(value, label) for value, label in ROLE_CHOICES if value != "network_admin"]


class CityForm(forms.ModelForm):
    class Meta:
        model = City
        fields = [
            "name",
            "region",
            "population",
            "timezone",
            "default_language",
            "visibility",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "slug", "description", "visibility"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("People without an account get an email invitation to set a password."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=CITY_ROLE_CHOICES, initial="member")
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = city.teams.all()


class MembershipForm(forms.Form):
    """One member's role and team; rendered once per row, so the teams are passed in."""

    role = forms.ChoiceField(label=_("Role"), choices=CITY_ROLE_CHOICES)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._teams = {str(team.pk): team for team in teams}
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "—")] + [(str(t.pk), t.name) for t in teams]

    def clean_team(self) -> Team | None:
        value = self.cleaned_data.get("team")
        return self._teams.get(value) if value else None


def _by_label(labels: dict[str, Any]) -> list[tuple[str, str]]:
    """Codes and their words in the reader's language, in the order of the words."""
    return sorted(((code, str(label)) for code, label in labels.items()), key=lambda c: c[1])


class AuditFilterForm(forms.Form):
    """The audit log's filters: who, what was done, to which kind of object, between which days.

    Every choice comes from a closed list (the people in the reader's own events, the known
    verbs and kinds), and days are bounded, so a filter can only narrow what the reader sees.
    """

    EARLIEST = date(2000, 1, 1)
    LATEST = date(2100, 12, 31)

    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    verb = forms.ChoiceField(label=_("Action"), required=False)
    kind = forms.ChoiceField(label=_("Object kind"), required=False)
    since = forms.DateField(
        label=pgettext_lazy("first day", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("last day", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, data: Any, *, people: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["person"].choices = [("", _("Anyone")), *people]  # type: ignore[attr-defined]
        self.fields["verb"].choices = [("", _("Any action")), *_by_label(VERBS)]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("Any kind")), *_by_label(KINDS)]  # type: ignore[attr-defined]

    def _clean_day(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is not None and not self.EARLIEST <= day <= self.LATEST:
            raise forms.ValidationError(
                _("Pick a day between %(first)s and %(last)s.")
                % {"first": self.EARLIEST.isoformat(), "last": self.LATEST.isoformat()}
            )
        return day

    def clean_since(self) -> date | None:
        return self._clean_day("since")

    def clean_until(self) -> date | None:
        return self._clean_day("until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last day comes before the first."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The filters that are valid, as :func:`civiclab.audit.queries.filter_events` takes
        them (an invalid one is shown with its error and left out)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "actor_id": data.get("person"),
            "verb": data.get("verb", ""),
            "kind": data.get("kind", ""),
            "since": data.get("since"),
            "until": data.get("until"),
        }
