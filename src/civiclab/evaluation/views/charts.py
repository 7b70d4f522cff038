"""The effect chart of a result (and the power curve) as one shape the page's script draws
with Chart.js, and the table beside it (the accessible alternative): labels translated here,
on the server.

An estimator's ``Estimate.chart`` has a ``kind``: ``arm_means`` (RCTs: each arm's mean and
CI), ``event_study`` (DiD, staggered: the effect by period relative to the start, with CIs),
``its`` (observed, fitted and the counterfactual without the intervention),
``synthetic_control`` (the treated city against its synthetic twin) or ``pre_post``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from civiclab.evaluation.templatetags.evaluation_text import number


def _series(
    label: str, data: list[Any], style: str = "line", colour: str = "value"
) -> dict[str, Any]:
    return {"label": label, "data": data, "style": style, "colour": colour}


def effect_chart(chart: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{type, labels, series, errors, marker, x_label, y_label, table}`` or None."""
    if not chart or not isinstance(chart, dict):
        return None
    kind = chart.get("kind")
    maker = _MAKERS.get(str(kind))
    return maker(chart) if maker else None


def _arm_means(chart: dict[str, Any]) -> dict[str, Any]:
    arms = chart.get("arms", [])
    return {
        "type": "bar",
        "title": _("Mean outcome by arm, with its 95 % CI"),
        "labels": [str(a["arm"]) for a in arms],
        "series": [_series(_("Mean"), [a["mean"] for a in arms], "bar")],
        "errors": [[a.get("low"), a.get("high")] for a in arms],
        "x_label": _("Arm"),
        "y_label": _("Outcome"),
        "table": {
            "head": [_("Arm"), _("Units"), _("Mean"), _("Low"), _("High")],
            "rows": [
                [
                    a["arm"],
                    number(a.get("n")),
                    number(a["mean"]),
                    number(a.get("low")),
                    number(a.get("high")),
                ]
                for a in arms
            ],
        },
    }


def _event_study(chart: dict[str, Any]) -> dict[str, Any]:
    points = chart.get("points", [])
    return {
        "type": "line",
        "title": _("Effect by period relative to the start (event study)"),
        "labels": [str(p.get("period")) for p in points],
        "series": [
            _series(_("Effect"), [p.get("estimate") for p in points], "points"),
            _series(_("Low"), [p.get("ci_low") for p in points], "band", "band"),
            _series(_("High"), [p.get("ci_high") for p in points], "band", "band"),
        ],
        "zero": True,
        "marker": "0",
        "x_label": _("Periods since the start"),
        "y_label": _("Effect"),
        "table": {
            "head": [_("Period"), _("Effect"), _("Low"), _("High")],
            "rows": [
                [
                    p.get("period"),
                    number(p.get("estimate")),
                    number(p.get("ci_low")),
                    number(p.get("ci_high")),
                ]
                for p in points
            ],
        },
    }


def _its(chart: dict[str, Any]) -> dict[str, Any]:
    points = chart.get("points", [])
    return {
        "type": "line",
        "title": _("Observed, fitted and without the intervention (counterfactual)"),
        "labels": [_label(p.get("time")) for p in points],
        "series": [
            _series(_("Observed"), [p.get("observed") for p in points], "points"),
            _series(_("Fitted"), [p.get("fitted") for p in points]),
            _series(
                _("Without the intervention"),
                [p.get("counterfactual") for p in points],
                "dashed",
                "counterfactual",
            ),
        ],
        "marker": _label(chart.get("intervention_time")),
        "x_label": _("Period"),
        "y_label": _("Outcome"),
        "table": {
            "head": [_("Period"), _("Observed"), _("Fitted"), _("Without the intervention")],
            "rows": [
                [
                    _label(p.get("time")),
                    number(p.get("observed")),
                    number(p.get("fitted")),
                    number(p.get("counterfactual")),
                ]
                for p in points
            ],
        },
    }


def _synthetic(chart: dict[str, Any]) -> dict[str, Any]:
    points = chart.get("points", [])
    return {
        "type": "line",
        "title": _("The city against its synthetic control (peer cities)"),
        "labels": [_label(p.get("time")) for p in points],
        "series": [
            _series(_("This city"), [p.get("treated") for p in points]),
            _series(
                _("Synthetic control"),
                [p.get("synthetic") for p in points],
                "dashed",
                "counterfactual",
            ),
        ],
        "marker": _label(chart.get("intervention_time")),
        "x_label": _("Period"),
        "y_label": _("Outcome"),
        "table": {
            "head": [_("Period"), _("This city"), _("Synthetic control")],
            "rows": [
                [_label(p.get("time")), number(p.get("treated")), number(p.get("synthetic"))]
                for p in points
            ],
        },
    }


def _pre_post(chart: dict[str, Any]) -> dict[str, Any]:
    points = chart.get("points", [])
    names = {"before": _("Before"), "after": _("After")}
    labels = [str(names.get(p.get("period"), p.get("period"))) for p in points]
    return {
        "type": "bar",
        "title": _("Mean before and after"),
        "labels": labels,
        "series": [_series(_("Mean"), [p.get("mean") for p in points], "bar")],
        "x_label": "",
        "y_label": _("Outcome"),
        "table": {
            "head": [_("Period"), _("Mean")],
            "rows": [[lab, number(p.get("mean"))] for lab, p in zip(labels, points, strict=True)],
        },
    }


def _label(value: Any) -> str:
    """A period's label: dates without their midnight time."""
    if value is None:
        return ""
    text = str(value)
    return text[:10] if len(text) > 10 and text[4:5] == "-" and text[10:11] in ("T", " ") else text


_MAKERS = {
    "arm_means": _arm_means,
    "event_study": _event_study,
    "its": _its,
    "synthetic_control": _synthetic,
    "pre_post": _pre_post,
}


def power_chart(curve: list[dict[str, float]], target: float) -> dict[str, Any] | None:
    """Power against the number of units (all arms), with the target power as a line; or, for
    a placebo simulation on the city's panel, power against the effect."""
    if not curve:
        return None
    by_effect = "n" not in curve[0]
    xs = [number(p["effect"]) if by_effect else number(round(p["n"])) for p in curve]
    x_label = _("Effect") if by_effect else _("Units (all arms)")
    return {
        "type": "line",
        "title": _("Power against the effect") if by_effect else _("Power against sample size"),
        "labels": xs,
        "series": [
            _series(_("Power"), [p["power"] for p in curve]),
            _series(_("Target"), [target] * len(curve), "dashed", "target"),
        ],
        "x_label": x_label,
        "y_label": _("Power"),
        "y_max": 1,
        "table": {
            "head": [x_label, _("Power")],
            "rows": [[x, number(p["power"], 2)] for x, p in zip(xs, curve, strict=True)],
        },
    }
