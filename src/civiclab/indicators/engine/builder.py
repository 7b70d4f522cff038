"""The builder's fields and a spec: a saved spec read back into the fields, and the field a
spec problem belongs to. Plain data in and out; the form itself is in ``forms.py``."""

from __future__ import annotations

import json
from typing import Any

FILTERS = 3
RATIO_FILTERS = 1  # per side; the indicator's own filters apply to both sides as well
BREAKDOWNS = ("breakdown", "breakdown2", "breakdown3")
SIDES = ("numerator", "denominator")
SIMPLE_MEASURES = (
    "count", "count_distinct", "sum", "mean", "median", "percentile", "share", "duration",
)  # fmt: skip
# The parts of a ratio the fields can say: measures of one column (or none).
RATIO_PARTS = ("count", "count_distinct", "sum", "mean", "median")
MEASURE_TYPES = {*SIMPLE_MEASURES, "ratio", "per_capita"}


def field_for_path(path: str) -> str | None:
    """The builder field a spec problem belongs to, from its path (None: the whole form).

    pydantic puts the measure's type in the path of a union member
    (``measure.ratio.numerator.sum.column``); those steps are skipped.
    """
    parts = [p for p in path.split(".") if p not in MEASURE_TYPES]
    head, rest = (parts[0], parts[1:]) if parts else ("", [])
    if head == "measure":
        if rest[:1] == ["of"]:
            rest = rest[1:]
        leaf = rest[0] if rest else ""
        if leaf in SIDES:
            return f"{leaf}_column" if rest[1:2] == ["column"] else leaf
        if leaf in ("numerator_filters", "denominator_filters"):
            side = leaf.removesuffix("_filters")
            return f"{side}_filter_column" if rest[2:3] == ["column"] else f"{side}_filter_value"
        if leaf == "where":
            return "column" if rest[2:3] == ["column"] else "share_value"
        simple = {"column": "column", "start": "column", "end": "end", "p": "p", "stat": "stat",
                  "unit": "unit", "population": "population", "per": "per_capita"}  # fmt: skip
        return simple.get(leaf, "measure")
    if head == "filters" and rest and rest[0].isdigit():
        i = int(rest[0]) + 1
        return f"filter{i}_column" if rest[1:2] == ["column"] else f"filter{i}_value"
    fields = {"time": "time_column", "breakdown": "breakdown", "breakdown_top": "breakdown_top",
              "equity": "equity", "polarity": "polarity"}  # fmt: skip
    return fields.get(head)


def initial_from(indicator: Any) -> dict[str, Any]:
    """The builder's fields for an existing indicator (JSON for what the fields cannot say)."""
    spec = indicator.spec
    initial: dict[str, Any] = {
        "dataset": indicator.dataset.slug,
        "name": indicator.name,
        "description": indicator.description,
        "polarity": spec.get("polarity", "lower_is_better"),
        "equity": spec.get("equity") or "",
        "breakdown_top": spec.get("breakdown_top"),
        "target_value": indicator.target_value,
        "target_date": indicator.target_date,
        "baseline_start": indicator.baseline_start,
        "baseline_end": indicator.baseline_end,
        "visibility": indicator.visibility,
    }
    breakdown = spec.get("breakdown") or []
    columns = [breakdown] if isinstance(breakdown, str) else breakdown
    initial.update(zip(BREAKDOWNS, columns, strict=False))  # the spec allows at most three
    if spec.get("time"):
        initial.update(time_column=spec["time"]["column"], period=spec["time"]["period"])
    measure_fields = _measure_initial(spec.get("measure", {}))
    if measure_fields is None or len(spec.get("filters", [])) > FILTERS:
        initial["spec_json"] = json.dumps(
            {k: v for k, v in spec.items() if k not in ("dataset", "version")}, indent=2
        )
        return initial
    initial.update(measure_fields)
    for i, item in enumerate(spec.get("filters", []), start=1):
        initial.update(_filter_initial(f"filter{i}", item))
    return initial


def _measure_initial(measure: dict[str, Any]) -> dict[str, Any] | None:
    """The measure's fields, or None when the fields cannot say it."""
    kind = measure.get("type")
    if kind == "per_capita":
        inner = _measure_initial(measure.get("of", {}))
        if inner is None or inner["measure"] == "ratio":
            return None
        return {**inner, "per_capita": measure.get("per"), "population": measure.get("population")}
    if kind == "ratio":
        initial: dict[str, Any] = {"measure": "ratio"}
        for side in SIDES:
            part, filters = measure.get(side, {}), measure.get(f"{side}_filters", [])
            if part.get("type") not in RATIO_PARTS or len(filters) > RATIO_FILTERS:
                return None
            initial[side] = part["type"]
            initial[f"{side}_column"] = part.get("column", "")
            for item in filters:
                initial.update(_filter_initial(f"{side}_filter", item))
        return initial
    if kind not in SIMPLE_MEASURES or (kind == "share" and len(measure.get("where", [])) != 1):
        return None
    initial = {"measure": kind, "column": measure.get("column") or measure.get("start") or ""}
    initial.update(end=measure.get("end", ""), stat=measure.get("stat", "median"),
                   unit=measure.get("unit", "hours"), p=measure.get("p"))  # fmt: skip
    if kind == "share":
        where = measure["where"][0]
        initial.update(column=where["column"], share_op=where["op"],
                       share_value=_text(where.get("value")))  # fmt: skip
    return initial


def _filter_initial(prefix: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{prefix}_column": item["column"],
        f"{prefix}_op": item["op"],
        f"{prefix}_value": _text(item.get("value")),
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
