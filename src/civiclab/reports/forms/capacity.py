"""The capacity self-assessment's form: per element a score (its levels described), evidence
notes, and links to what in civiclab shows it (one per line)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civiclab.core.forms import add_service_errors
from civiclab.reports.models.capacity import (
    ELEMENT_CHOICES,
    ELEMENT_HELP,
    LEVEL_NAMES,
    LEVELS,
    LINK_LENGTH,
    LINKS_LIMIT,
    NOTES_LIMIT,
)
from civiclab.reports.services.capacity import ElementAnswer


class CapacityForm(forms.Form):
    def __init__(self, *args: Any, initial_scores: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial = {s.element: s for s in (initial_scores or [])}
        for code, label in ELEMENT_CHOICES:
            before = initial.get(code)
            self.fields[f"{code}_score"] = forms.TypedChoiceField(
                label=label,
                help_text=ELEMENT_HELP[code],
                coerce=int,
                choices=[
                    (n, f"{n} · {LEVEL_NAMES[n]} — {LEVELS[code][n]}") for n in sorted(LEVEL_NAMES)
                ],
                widget=forms.RadioSelect,
                initial=before.score if before else None,
            )
            self.fields[f"{code}_notes"] = forms.CharField(
                label=_("Evidence notes"),
                required=False,
                max_length=NOTES_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=before.notes if before else "",
            )
            self.fields[f"{code}_links"] = forms.CharField(
                label=_("Links in civiclab (one per line)"),
                help_text=_("Paths of pages that show it, such as /challenges/12/."),
                required=False,
                max_length=LINKS_LIMIT * (LINK_LENGTH + 2),
                widget=forms.Textarea(attrs={"rows": 2}),
                initial="\n".join(before.links) if before else "",
            )

    def elements(self) -> list[tuple[Any, Any, Any, Any]]:
        """(label, score, notes, links) bound fields per element, for the template."""
        return [
            (label, self[f"{code}_score"], self[f"{code}_notes"], self[f"{code}_links"])
            for code, label in ELEMENT_CHOICES
        ]

    def answers(self) -> dict[str, ElementAnswer]:
        data = self.cleaned_data
        return {
            code: ElementAnswer(
                score=data[f"{code}_score"],
                notes=data.get(f"{code}_notes") or "",
                links=[
                    line.strip()
                    for line in (data.get(f"{code}_links") or "").splitlines()
                    if line.strip()
                ],
            )
            for code, _label in ELEMENT_CHOICES
        }

    def show_service_errors(self, exc: ValidationError) -> None:
        """A service's errors keyed by element go beside the element's links (or score)."""
        if not hasattr(exc, "error_dict"):
            add_service_errors(self, exc)
            return
        for key, messages in exc.message_dict.items():
            field = f"{key}_links" if f"{key}_links" in self.fields else None
            self.add_error(field, messages)
