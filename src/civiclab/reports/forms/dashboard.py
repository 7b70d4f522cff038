"""dashboard: the status override form (a narrative is required)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.portfolio.models import SOLUTION_STATUSES
from civiclab.reports.models import NARRATIVE_LIMIT


class OverrideForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SOLUTION_STATUSES)
    narrative = forms.CharField(
        label=_("Why (required)"),
        max_length=NARRATIVE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
