from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
