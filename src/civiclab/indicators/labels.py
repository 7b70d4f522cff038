"""Words for an indicator's status and unit, shared by its page and its card."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from civiclab.indicators.forms import UNIT_CHOICES


def status_label(status: str) -> str:
    labels = {
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "off_track": _("Off track"),
        "met": _("Target met"),
        "unknown": _("Not known"),
    }
    return labels.get(status, status)


def y_label(spec: Any) -> str:
    """The value axis's unit: the duration's unit, or the spec's own."""
    if spec.measure.type == "duration":
        return str(dict(UNIT_CHOICES).get(spec.measure.unit, spec.measure.unit))
    return spec.unit or ""
