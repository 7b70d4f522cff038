"""convenings forms: a convening (its agenda one item per line), the notes, an answer."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from civiclab.exchange.models.convenings import (
    AGENDA_LIMIT,
    AGENDA_TITLE_LIMIT,
    CAPACITY_LIMIT,
    DESCRIPTION_LIMIT,
    KINDS,
    NOTES_LIMIT,
    PLACE_LIMIT,
    SPEAKER_LIMIT,
    TITLE_LIMIT,
    Convening,
)
from civiclab.network.models import Cohort, Network

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


def agenda_text(convening: Convening) -> str:
    """The agenda as the form shows it: "HH:MM | title | speaker" per line."""
    return "\n".join(
        " | ".join([f"{item.at:%H:%M}" if item.at else "", item.title, item.speaker]).rstrip(" |")
        for item in convening.agenda.all()
    )


def parse_agenda(text: str) -> list[dict[str, Any]]:
    """Lines "09:30 | Welcome | Ana Ruiz" (time and speaker optional) → agenda items."""
    items = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        at = None
        match = TIME.match(parts[0])
        if match:
            at = dt.time(int(match.group(1)), int(match.group(2)))
            parts = parts[1:]
        if not parts or not parts[0]:
            raise forms.ValidationError(_("Line %(n)d has no title.") % {"n": n})
        if len(parts) > 2:
            raise forms.ValidationError(
                _("Line %(n)d: time | title | speaker, no more bars.") % {"n": n}
            )
        items.append({"at": at, "title": parts[0], "speaker": parts[1] if len(parts) > 1 else ""})
    if len(items) > AGENDA_LIMIT:
        raise forms.ValidationError(_("At most %(limit)d agenda items.") % {"limit": AGENDA_LIMIT})
    return items


class ConveningForm(forms.Form):
    network = forms.ModelChoiceField(queryset=Network.objects.none(), label=_lazy("Network"))
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(),
        required=False,
        label=_lazy("Cohort"),
        help_text=_lazy("A cohort's meeting is seen by its cities only (and network admins)."),
    )
    kind = forms.ChoiceField(choices=KINDS, label=_lazy("Kind"))
    title = forms.CharField(max_length=TITLE_LIMIT, label=_lazy("Title"))
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_lazy("Description"),
    )
    timezone = forms.ChoiceField(label=_lazy("Time zone"), initial="UTC")
    starts_at = forms.DateTimeField(label=_lazy("Starts"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_lazy("Ends"), widget=LOCAL)
    place = forms.CharField(required=False, max_length=PLACE_LIMIT, label=_lazy("Place"))
    online_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", label=_lazy("Online link")
    )
    capacity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=CAPACITY_LIMIT,
        label=_lazy("Capacity"),
        help_text=_lazy("How many may say they are going; empty: no limit."),
    )
    agenda = forms.CharField(
        required=False,
        max_length=AGENDA_LIMIT * (AGENDA_TITLE_LIMIT + SPEAKER_LIMIT + 20),
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_lazy("Agenda"),
        help_text=_lazy("One item per line: time | title | speaker (e.g. 09:30 | Welcome | Ana)."),
    )

    def __init__(self, *args: Any, networks: QuerySet[Network], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks  # type: ignore[attr-defined]
        self.fields["cohort"].queryset = Cohort.objects.filter(  # type: ignore[attr-defined]
            network__in=networks
        ).select_related("network")
        self.fields["timezone"].choices = [  # type: ignore[attr-defined]
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]

    def clean_agenda(self) -> list[dict[str, Any]]:
        return parse_agenda(self.cleaned_data.get("agenda", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        zone_name = cleaned.get("timezone")
        if zone_name:
            zone = zoneinfo.ZoneInfo(zone_name)
            for name in ("starts_at", "ends_at"):
                value = cleaned.get(name)
                if isinstance(value, dt.datetime):
                    # The form's times are read in the chosen zone, not the site's.
                    cleaned[name] = value.replace(tzinfo=None).replace(tzinfo=zone)
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("network")
        data.pop("agenda")
        return data

    @staticmethod
    def initial_for(convening: Convening) -> dict[str, Any]:
        zone = zoneinfo.ZoneInfo(convening.timezone)
        return {
            "network": convening.network_id,
            "cohort": convening.cohort_id,
            "kind": convening.kind,
            "title": convening.title,
            "description": convening.description,
            "timezone": convening.timezone,
            "starts_at": convening.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": convening.ends_at.astimezone(zone).replace(tzinfo=None),
            "place": convening.place,
            "online_url": convening.online_url,
            "capacity": convening.capacity,
            "agenda": agenda_text(convening),
        }


class NotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=NOTES_LIMIT,
        widget=forms.Textarea(attrs={"rows": 12}),
        label=_lazy("Notes"),
        help_text=_lazy("What was said and decided, for those who could not come."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=PLACE_LIMIT, label=_lazy("Reason"))
