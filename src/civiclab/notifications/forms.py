"""The notifications' forms: the choices matrix and a score request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.notifications.models import Kind
from civiclab.notifications.services import NOTE_LIMIT


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


CHANNELS = (("in_app", _("In the app")), ("email", _("Daily e-mail")))


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel."""

    def __init__(self, *args: Any, current: dict[str, tuple[bool, bool]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            app, mail = current[kind]
            for (channel, channel_label), value in zip(CHANNELS, (app, mail), strict=True):
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    required=False,
                    initial=value,
                    label=f"{kind.label} — {channel_label}",
                )

    def rows(self) -> list[tuple[Any, list[Any]]]:
        """The matrix: (kind's label, [its bound checkbox per channel])."""
        return [
            (kind.label, [self[field_name(kind, channel)] for channel, _label in CHANNELS])
            for kind in Kind
        ]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            kind.value: (
                bool(data[field_name(kind, "in_app")]),
                bool(data[field_name(kind, "email")]),
            )
            for kind in Kind
        }


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class ScoreRequestForm(forms.Form):
    people = PersonChoiceField(
        queryset=None,
        label=_("Whom to ask"),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you need, and by when."),
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        field = self.fields["people"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = get_user_model().objects.filter(pk__in=[p.pk for p in candidates])
