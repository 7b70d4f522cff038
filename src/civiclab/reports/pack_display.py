"""packs: a pack (live or frozen JSON) as the page and the PDF show it — words in the reader's
language for its codes, and its charts drawn as inline SVG."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from civiclab.evaluation.models import DESIGN_CHOICES, STRENGTH_CHOICES
from civiclab.indicators.labels import status_label
from civiclab.reports.rules.packs import trajectory_svg


def signal_words(rule: str) -> str:
    return {
        "shift": _("Shift: a run of values on one side of the median"),
        "trend": _("Trend: values rising or falling in a row"),
        "too_few_runs": _("Too few runs around the median"),
        "too_many_runs": _("Too many runs around the median"),
        "astronomical": _("A value beyond the natural process limits"),
    }.get(rule, rule)


def band_words(band: str) -> str:
    return {"high": _("High"), "medium": _("Medium"), "low": _("Low")}.get(band, band)


def evaluation_state_words(state: str) -> str:
    return {
        "none": _("Not analysed yet"),
        "queued": _("Analysis queued"),
        "running": _("Analysis running"),
        "done": _("Analysed"),
        "failed": _("Analysis failed"),
    }.get(state, state)


def solution_status_words(status: str) -> str:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "off_track": _("Off track")}.get(
        status, status
    )


def cadence_words(cadence: str) -> str:
    return {"weekly": _("Weekly"), "monthly": _("Monthly"), "quarterly": _("Quarterly")}.get(
        cadence, cadence
    )


def pack_context(pack: dict[str, Any]) -> dict[str, Any]:
    """The template context of a pack: a copy with labels and charts added (the stored JSON is
    left as it was)."""
    shown = copy.deepcopy(pack)
    designs, strengths = dict(DESIGN_CHOICES), dict(STRENGTH_CHOICES)
    for solution in shown.get("solutions", []):
        solution["status_words"] = solution_status_words(solution["status"]["status"])
        for indicator in solution.get("indicators", []):
            indicator["status_words"] = status_label(indicator.get("status", "unknown"))
            for signal in indicator.get("signals", []):
                signal["words"] = signal_words(signal.get("rule", ""))
            title = _("%(name)s: actual against the expected trajectory") % {
                "name": indicator.get("name", "")
            }
            # trajectory_svg escapes every text it places: its markup is safe to embed.
            indicator["svg"] = mark_safe(
                trajectory_svg(
                    indicator.get("points", []), marked=indicator.get("marked", []), title=title
                )
            )
        for risk in solution.get("risks", []):
            risk["band_words"] = band_words(risk.get("band", ""))
        for evaluation in solution.get("evaluations", []):
            evaluation["design_words"] = str(designs.get(evaluation.get("design", ""), ""))
            evaluation["state_words"] = evaluation_state_words(evaluation.get("state", ""))
            evaluation["strength_words"] = str(strengths.get(evaluation.get("strength", ""), ""))
    summary = shown.get("summary", {})
    summary["risk_rows"] = [
        (band_words(band), band, summary.get("risks", {}).get(band, 0))
        for band in ("high", "medium", "low")
    ]
    review = shown.get("review", {})
    review["cadence_words"] = cadence_words(review.get("cadence", ""))
    return {"pack": shown}
