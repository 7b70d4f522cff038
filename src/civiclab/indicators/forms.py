"""The indicator builder: a form whose fields become a spec (or a spec typed as JSON)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Visibility

FILTERS = 3
MEASURE_CHOICES = [
    ("count", _("Count of rows")),
    ("count_distinct", _("Count of distinct values")),
    ("sum", _("Sum")),
    ("mean", _("Mean")),
    ("median", _("Median")),
    ("percentile", _("Percentile")),
    ("share", _("Share of rows matching a condition")),
    ("duration", _("Duration between two times")),
]
STAT_CHOICES = [
    ("median", _("Median")),
    ("mean", _("Mean")),
    ("p90", _("90th percentile")),
    ("percentile", _("Percentile")),
]
UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
PERIOD_CHOICES = [
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
]
OP_CHOICES = [
    ("", "—"),
    ("=", "="),
    ("!=", "≠"),
    ("in", _("in")),
    ("not in", _("not in")),
    ("between", _("between")),
    ("contains", _("contains")),
    ("is null", _("is empty")),
    ("is not null", _("is not empty")),
]
POLARITY_CHOICES = [
    ("lower_is_better", _("Lower is better")),
    ("higher_is_better", _("Higher is better")),
]
NUMERIC = {"integer", "decimal", "latitude", "longitude"}
LIST_OPS = {"in", "not in", "between"}


def _coerce(text: str, kind: str | None) -> Any:
    text = text.strip()
    if kind in NUMERIC:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def filter_value(op: str, text: str, kind: str | None) -> Any:
    if op in ("is null", "is not null"):
        return None
    if op in LIST_OPS:
        return [_coerce(part, kind) for part in text.split(",") if part.strip()]
    return _coerce(text, kind)


class IndicatorForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Dataset"))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=MEASURE_CHOICES, initial="count")
    column = forms.ChoiceField(
        label=_("Column measured"),
        required=False,
        help_text=_(
            "For distinct counts, sums, means, medians, percentiles and shares; "
            "the start time for durations."
        ),
    )
    end = forms.ChoiceField(label=_("End time (durations)"), required=False)
    stat = forms.ChoiceField(
        label=_("Statistic (durations)"), choices=STAT_CHOICES, initial="median"
    )
    unit = forms.ChoiceField(label=_("Unit (durations)"), choices=UNIT_CHOICES, initial="hours")
    p = forms.FloatField(label=_("Percentile (1–99)"), required=False, min_value=0, max_value=100)
    share_op = forms.ChoiceField(label=_("Share: condition"), choices=OP_CHOICES, required=False)
    share_value = forms.CharField(label=_("Share: value"), required=False, max_length=500)
    time_column = forms.ChoiceField(label=_("Time column"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="month")
    breakdown = forms.ChoiceField(label=_("Break down by"), required=False)
    equity = forms.ChoiceField(label=_("Equity dimension"), required=False)
    polarity = forms.ChoiceField(label=_("Direction"), choices=POLARITY_CHOICES)
    target_value = forms.FloatField(label=_("Target"), required=False)
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    baseline_start = forms.DateField(
        label=_("Baseline from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    baseline_end = forms.DateField(
        label=_("Baseline to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    visibility = forms.ChoiceField(label=_("Visible to"))
    spec_json = forms.CharField(
        label=_("Specification as JSON (advanced)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("When filled in, it is used instead of the fields above."),
    )

    def __init__(
        self,
        *args: Any,
        datasets: list[tuple[str, str]],
        columns: dict[str, str],
        widest: Visibility,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.fields["dataset"].choices = datasets
        column_choices = [("", "—"), *((c, c) for c in columns)]
        for name in ("column", "end", "time_column", "breakdown", "equity"):
            self.fields[name].choices = column_choices
        for i in range(1, FILTERS + 1):
            self.fields[f"filter{i}_column"] = forms.ChoiceField(
                label=_("Filter %(n)s: column") % {"n": i}, choices=column_choices, required=False
            )
            self.fields[f"filter{i}_op"] = forms.ChoiceField(
                label=_("Filter %(n)s: condition") % {"n": i}, choices=OP_CHOICES, required=False
            )
            self.fields[f"filter{i}_value"] = forms.CharField(
                label=_("Filter %(n)s: value") % {"n": i},
                required=False,
                max_length=500,
                help_text=_("For in, not in and between: values separated by commas."),
            )
        self.fields["visibility"].choices = [
            (value, label)
            for value, label in VISIBILITY_CHOICES
            if Visibility(value).breadth <= widest.breadth
        ]
        self.fields["visibility"].initial = Visibility.CITY.value
        self.order_fields(
            [
                "dataset", "name", "description", "measure", "column", "end", "stat", "unit",
                "p", "share_op", "share_value", "time_column", "period",
                *(f"filter{i}_{part}" for i in range(1, FILTERS + 1)
                  for part in ("column", "op", "value")),
                "breakdown", "equity", "polarity", "target_value", "target_date",
                "baseline_start", "baseline_end", "visibility", "spec_json",
            ]
        )  # fmt: skip

    def clean_spec_json(self) -> dict[str, Any] | None:
        text = self.cleaned_data["spec_json"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The specification must be a JSON object."))
        return data

    def spec(self) -> dict[str, Any]:
        """The spec document the fields describe (validated later against the dataset)."""
        data = self.cleaned_data
        if data.get("spec_json"):
            return data["spec_json"]
        kind = data["measure"]
        column = data.get("column") or ""
        measure: dict[str, Any] = {"type": kind}
        if kind in ("count_distinct", "sum", "mean", "median", "percentile"):
            measure["column"] = column
        if kind == "percentile":
            measure["p"] = data.get("p")
        if kind == "duration":
            measure.update(start=column, end=data.get("end") or "", stat=data["stat"],
                           unit=data["unit"])  # fmt: skip
            if data["stat"] == "percentile":
                measure["p"] = data.get("p")
        if kind == "share":
            op = data.get("share_op") or "="
            measure["where"] = [self._filter(column, op, data.get("share_value") or "")]
        spec: dict[str, Any] = {"measure": measure, "polarity": data["polarity"]}
        if data.get("time_column"):
            spec["time"] = {"column": data["time_column"], "period": data["period"]}
        filters = []
        for i in range(1, FILTERS + 1):
            col, op = data.get(f"filter{i}_column"), data.get(f"filter{i}_op")
            if col and op:
                filters.append(self._filter(col, op, data.get(f"filter{i}_value") or ""))
        if filters:
            spec["filters"] = filters
        for name in ("breakdown", "equity"):
            if data.get(name):
                spec[name] = data[name]
        return spec

    def _filter(self, column: str, op: str, text: str) -> dict[str, Any]:
        item: dict[str, Any] = {"column": column, "op": op}
        value = filter_value(op, text, self.columns.get(column))
        if value is not None:
            item["value"] = value
        return item

    def goal_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("description", "target_value", "target_date", "baseline_start",
                         "baseline_end")
        }  # fmt: skip


def initial_from(indicator: Any) -> dict[str, Any]:
    """The builder's fields for an existing indicator (JSON for what the fields cannot say)."""
    spec = indicator.spec
    measure = spec.get("measure", {})
    initial: dict[str, Any] = {
        "dataset": indicator.dataset.slug,
        "name": indicator.name,
        "description": indicator.description,
        "polarity": spec.get("polarity", "lower_is_better"),
        "breakdown": spec.get("breakdown") or "",
        "equity": spec.get("equity") or "",
        "target_value": indicator.target_value,
        "target_date": indicator.target_date,
        "baseline_start": indicator.baseline_start,
        "baseline_end": indicator.baseline_end,
        "visibility": indicator.visibility,
    }
    if spec.get("time"):
        initial.update(time_column=spec["time"]["column"], period=spec["time"]["period"])
    kind = measure.get("type")
    simple = kind in dict(MEASURE_CHOICES) and len(spec.get("filters", [])) <= FILTERS
    if kind == "share" and len(measure.get("where", [])) != 1:
        simple = False
    if not simple:
        initial["spec_json"] = json.dumps(
            {k: v for k, v in spec.items() if k not in ("dataset", "version")}, indent=2
        )
        return initial
    initial["measure"] = kind
    initial["column"] = measure.get("column") or measure.get("start") or ""
    initial.update(end=measure.get("end", ""), stat=measure.get("stat", "median"),
                   unit=measure.get("unit", "hours"), p=measure.get("p"))  # fmt: skip
    if kind == "share":
        where = measure["where"][0]
        initial.update(column=where["column"], share_op=where["op"],
                       share_value=_text(where.get("value")))  # fmt: skip
    for i, item in enumerate(spec.get("filters", []), start=1):
        initial[f"filter{i}_column"] = item["column"]
        initial[f"filter{i}_op"] = item["op"]
        initial[f"filter{i}_value"] = _text(item.get("value"))
    return initial


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
