"""The dismiss button's fields ("look elsewhere first")."""

from __future__ import annotations

from django import forms


class DismissForm(forms.Form):
    match_kind = forms.CharField(max_length=16)
    match_id = forms.IntegerField(min_value=1)
