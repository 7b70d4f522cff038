"""Words for an indicator's status and unit, shared by its page and its card."""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from civiclab.indicators.forms import UNIT_CHOICES


def status_label(status: str) -> str:
    labels = {
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "off_track": _("Off track"),
        "met": _("Target met"),
        "target_contradicts_direction": _("Target contradicts the direction"),
        "unknown": _("Not known"),
    }
    return labels.get(status, status)


def progress_words(goal: Any, unit: str = "") -> str:
    """Progress since the baseline in words, e.g. "Moving the wrong way: +1,120 notices since
    the baseline" — a percentage of the way to the target only when it means something."""
    if goal.direction is None:
        return ""
    if goal.status == "target_contradicts_direction":
        return _(
            "The target is not an improvement on the baseline in the indicator's direction: "
            "change the target or the direction."
        )
    if goal.direction == "unchanged":
        return _("No change since the baseline.")
    sign = "+" if goal.change > 0 else "−"
    rounded = float(round(abs(goal.change), 2))
    amount = formats.number_format(
        int(rounded) if rounded.is_integer() else rounded, use_l10n=True, force_grouping=True
    )
    change = f"{sign}{amount}{' ' + unit if unit else ''}"
    if goal.direction == "worse":
        return _("Moving the wrong way: %(change)s since the baseline.") % {"change": change}
    if goal.progress_percent is None:
        return _("Moving the right way: %(change)s since the baseline.") % {"change": change}
    percent = formats.number_format(goal.progress_percent, 1, use_l10n=True)
    return _(
        "Moving the right way: %(change)s since the baseline, %(percent)s %% of the way to the "
        "target."
    ) % {"change": change, "percent": percent}


def y_label(spec: Any) -> str:
    """The value axis's unit: the duration's unit, or the spec's own."""
    if spec.measure.type == "duration":
        return str(dict(UNIT_CHOICES).get(spec.measure.unit, spec.measure.unit))
    return spec.unit or ""
