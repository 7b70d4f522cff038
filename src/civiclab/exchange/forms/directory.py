"""directory forms: one's own entry, and the search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.exchange.models.directory import (
    DIRECTORY_VISIBILITY,
    HEADLINE_LIMIT,
    MAX_TAGS,
    TAG_LIMIT,
    DirectoryEntry,
)

TAGS_TEXT_LIMIT = MAX_TAGS * (TAG_LIMIT + 2)


def split_tags(text: str) -> list[str]:
    """ "open data, GIS; budgeting" → ["open data", "GIS", "budgeting"] (commas, semicolons or
    lines separate)."""
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",")]


class EntryForm(forms.Form):
    visibility = forms.ChoiceField(
        choices=DIRECTORY_VISIBILITY, widget=forms.RadioSelect, label=_("Who finds me")
    )
    headline = forms.CharField(required=False, max_length=HEADLINE_LIMIT, label=_("What I work on"))
    topics = forms.CharField(
        required=False,
        max_length=TAGS_TEXT_LIMIT,
        label=_("Topics"),
        help_text=_("Separated by commas, e.g. blight, illegal dumping, open data."),
    )
    skills = forms.CharField(
        required=False,
        max_length=TAGS_TEXT_LIMIT,
        label=_("Skills"),
        help_text=_("Separated by commas, e.g. GIS, user research, procurement."),
    )
    show_team = forms.BooleanField(required=False, label=_("Show my team"))
    show_role = forms.BooleanField(required=False, label=_("Show my role"))
    show_email = forms.BooleanField(required=False, label=_("Show my email address"))
    show_work = forms.BooleanField(
        required=False, label=_("Show the challenges and solutions I own")
    )

    @staticmethod
    def initial_for(entry: DirectoryEntry) -> dict[str, Any]:
        tags = list(entry.tags.all()) if entry.pk else []
        return {
            "visibility": entry.visibility,
            "headline": entry.headline,
            "topics": ", ".join(t.label for t in tags if t.kind == "topic"),
            "skills": ", ".join(t.label for t in tags if t.kind == "skill"),
            "show_team": entry.show_team,
            "show_role": entry.show_role,
            "show_email": entry.show_email,
            "show_work": entry.show_work,
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in ("visibility", "headline", "show_team", "show_role",
                                     "show_email", "show_work")}  # fmt: skip


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Name or words"))
    city = forms.ChoiceField(required=False, label=_("City"))
    topic = forms.CharField(required=False, max_length=TAG_LIMIT, label=_("Topic"))
    skill = forms.CharField(required=False, max_length=TAG_LIMIT, label=_("Skill"))

    def __init__(self, *args: Any, cities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("Any city")), *cities]  # type: ignore[attr-defined]
