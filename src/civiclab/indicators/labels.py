"""Words for an indicator's status and unit, shared by its page and its card."""

from __future__ import annotations

import datetime as dt
import re
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


def number(value: Any) -> str:
    """A value as the reader writes it: at most two decimals, thousands grouped ("1 234,5"
    with a no-break space in French, "1,234.5" in English); "—" without a value."""
    if value is None or isinstance(value, bool):
        return "—"
    rounded = float(round(float(value), 2))
    shown: float | int = int(rounded) if rounded.is_integer() else rounded
    return formats.number_format(shown, use_l10n=True, force_grouping=True)


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4])|-W(\d{2}))?$")


def period_words(period: str | None) -> str:
    """A period label ("2024-03", "2024-Q1", "2024-W05", "2024-03-04") in the reader's
    language: "March 2024" / "mars 2024", "Q1 2024" / "T1 2024"… Any other text is returned
    as it is; no period is "—"."""
    if not period:
        return "—"
    found = _PERIOD.match(period)
    if found is None:
        return period
    year, month, day, quarter, week = found.groups()
    try:
        if day:
            return formats.date_format(dt.date(int(year), int(month), int(day)), "j F Y")
        if month:
            return formats.date_format(dt.date(int(year), int(month), 1), "F Y")
    except ValueError:
        return period
    if quarter:
        return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
    if week:
        return _("week %(week)s of %(year)s") % {"week": int(week), "year": year}
    return year
