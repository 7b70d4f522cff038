"""The case study's form: its text in both languages, contacts, visibility."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.exchange.models.cases import (
    CASE_TEXT_LIMIT,
    CASE_VISIBILITIES,
    CONTACTS_LIMIT,
    TITLE_LIMIT,
)

LABELS = {
    "title": (_("Title in English"), _("Title in French")),
    "problem": (_("The problem, in English"), _("The problem, in French")),
    "approach": (_("The approach, in English"), _("The approach, in French")),
    "lessons": (_("Lessons, in English"), _("Lessons, in French")),
}


def _text(label: object, limit: int) -> forms.CharField:
    return forms.CharField(
        label=label,  # type: ignore[arg-type]
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CaseForm(forms.Form):
    title_en = forms.CharField(label=LABELS["title"][0], required=False, max_length=TITLE_LIMIT)
    title_fr = forms.CharField(label=LABELS["title"][1], required=False, max_length=TITLE_LIMIT)
    problem_en = _text(LABELS["problem"][0], CASE_TEXT_LIMIT)
    problem_fr = _text(LABELS["problem"][1], CASE_TEXT_LIMIT)
    approach_en = _text(LABELS["approach"][0], CASE_TEXT_LIMIT)
    approach_fr = _text(LABELS["approach"][1], CASE_TEXT_LIMIT)
    lessons_en = _text(LABELS["lessons"][0], CASE_TEXT_LIMIT)
    lessons_fr = _text(LABELS["lessons"][1], CASE_TEXT_LIMIT)
    contacts = _text(_("Contacts (who to ask)"), CONTACTS_LIMIT)
    visibility = forms.ChoiceField(
        label=_("Shared with"),
        choices=CASE_VISIBILITIES,
        help_text=_("A published case is seen by the network's cities, or by everyone."),
    )


class NewCaseForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("To be shared with"), choices=CASE_VISIBILITIES, initial="network"
    )
